// The sandbox page without reloads: send the page's forms in the background and keep the chat
// up to date by long-polling /sandbox/chat. Without this file every form still works (each POST
// redirects back to the chat once the bot has answered).
"use strict";

(function () {
  const main = document.getElementById("chat");
  const list = document.getElementById("messages");
  const log = document.getElementById("log");
  if (!main || !list || !log || !window.fetch || !window.FormData) {
    return;
  }
  const composer = document.getElementById("composer");
  const textBox = document.getElementById("text");
  const photo = document.getElementById("photo");
  const notice = document.getElementById("notice");
  const error = document.getElementById("error");
  const chatUrl = main.dataset.chatUrl;
  let version = Number(main.dataset.version);
  let lastNotice = null;
  let noticeTimer = null;
  let retryDelay = 1000;
  let followNewest = true;

  const keysHint = document.getElementById("keys-hint");
  if (keysHint) {
    keysHint.hidden = false;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToNewest() {
    log.scrollTop = log.scrollHeight;
  }

  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function showError(text) {
    error.textContent = text || "";
  }

  function showNotice(data) {
    if (!data || data.id === lastNotice) {
      return;
    }
    lastNotice = data.id;
    notice.textContent = data.text;
    notice.classList.toggle("alert", Boolean(data.alert));
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () {
      notice.textContent = "";
    }, 8000);
  }

  // Where the keyboard focus is, described so that it survives the message being re-rendered.
  function focusInMessages() {
    const active = document.activeElement;
    const item = active && active.closest ? active.closest("#messages > li") : null;
    if (!item) {
      return null;
    }
    return { id: item.dataset.id, name: active.getAttribute("name"), value: active.getAttribute("value") };
  }

  function restoreFocus(where) {
    const item = document.getElementById("m" + where.id);
    if (!item) {
      textBox.focus();
      return;
    }
    const buttons = Array.from(item.querySelectorAll("button:not([disabled]), a[href]"));
    const same = buttons.find(function (b) {
      return b.getAttribute("name") === where.name && b.getAttribute("value") === where.value;
    });
    (same || buttons[0] || item).focus();
  }

  function apply(messages) {
    const focused = focusInMessages();
    const follow = followNewest || nearBottom();
    const existing = new Map();
    Array.from(list.children).forEach(function (item) {
      existing.set(item.dataset.id, item);
    });
    let previous = null;
    let changedFocus = false;
    messages.forEach(function (message) {
      const id = String(message.id);
      let item = existing.get(id);
      if (item && item.dataset.key !== message.key) {
        const fresh = parse(message.html);
        item.replaceWith(fresh);
        changedFocus = changedFocus || (focused && focused.id === id);
        item = fresh;
      } else if (!item) {
        item = parse(message.html);
        if (previous) {
          previous.after(item);
        } else {
          list.prepend(item);
        }
      }
      existing.delete(id);
      previous = item;
    });
    existing.forEach(function (item, id) {
      changedFocus = changedFocus || (focused && focused.id === id);
      item.remove();
    });
    const empty = document.getElementById("empty");
    if (empty && messages.length) {
      empty.remove();
    }
    if (changedFocus) {
      restoreFocus(focused);
    }
    if (follow) {
      scrollToNewest();
    }
    followNewest = false;
  }

  async function poll() {
    for (;;) {
      try {
        const response = await fetch(chatUrl + "&since=" + version + "&wait=20", {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          cache: "no-store",
        });
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        const data = await response.json();
        if (error.textContent === main.dataset.offline) {
          showError("");
        }
        retryDelay = 1000;
        if (data.version !== version) {
          version = data.version;
          apply(data.messages);
          main.dataset.version = String(version);
        }
        showNotice(data.notice);
      } catch (problem) {
        showError(main.dataset.offline);
        await new Promise(function (resolve) {
          setTimeout(resolve, retryDelay);
        });
        retryDelay = Math.min(retryDelay * 2, 10000);
      }
    }
  }

  async function submit(form, submitter) {
    const data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    const action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    const keyboard = form.classList.contains("keyboard") ? form : null;
    if (keyboard) {
      keyboard.setAttribute("aria-busy", "true");
    }
    followNewest = true;
    try {
      const response = await fetch(action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const result = await response.json().catch(function () {
        return { ok: false };
      });
      if (!result.ok) {
        showError(result.error || main.dataset.failed);
        return;
      }
      showError("");
      if (form === composer) {
        textBox.value = "";
        if (photo) {
          photo.value = "";
        }
      }
    } catch (problem) {
      showError(main.dataset.failed);
    } finally {
      if (keyboard) {
        keyboard.removeAttribute("aria-busy");
      }
    }
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.action) {
      return;
    }
    event.preventDefault();
    submit(form, event.submitter);
  });

  textBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey &&
        !event.isComposing) {
      event.preventDefault();
      if (composer.requestSubmit) {
        composer.requestSubmit();
      } else {
        submit(composer, null);
      }
    }
  });

  scrollToNewest();
  main.dataset.ready = "true";  // (the browser tests wait for this before typing)
  poll();
})();
