"""Demo data: `python -m bot seed-demo [--scale N]` (and the sandbox page's "fill with demo data").

The believable demo is about 50 initiatives in Dutch across every theme and every municipality,
with their initiators, members and followers, updates, and subsidy routes marked as examples.
Scale mode makes N initiatives with 10 citizens and 30 memberships per initiative, for benchmarks
(for N < 4 there are fewer than 31 citizens, so each initiative gets 10N - 1 memberships).

Everything is deterministic and keyed, so running it again changes nothing: demo citizens have
Telegram ids in a reserved range (no real Telegram account has them), initiatives are keyed by
initiator and title, memberships by their unique key, subsidy routes by code. A larger `--scale`
adds the difference. The counters on Initiative always match the membership rows.

The believable demo's citizens are fictional and have no chat with the bot, so they are stored as
unreachable: announcements and initiative updates go to real (or sandbox) users only. Scale mode's
citizens are reachable, so delivery benchmarks have recipients.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from models.citizen import Citizen, Role
from models.initiative import HelpKind, Initiative, InitiativeUpdate, Membership, MembershipKind, Status
from models.region import Municipality, Theme
from models.subsidy import SubsidyRoute

DEMO_TELEGRAM_BASE = 990_000_000_000  # the believable demo's citizens: DEMO_TELEGRAM_BASE + n
SCALE_TELEGRAM_BASE = 991_000_000_000  # scale mode's citizens: SCALE_TELEGRAM_BASE + n
RANGE_SIZE = 1_000_000_000
DEMO_CITIZENS = 150
CITIZENS_PER_INITIATIVE = 10
MEMBERSHIPS_PER_INITIATIVE = 30  # 20 joins and 10 follows
JOINS_PER_INITIATIVE = 20
DEMO_PREFIX = "[DEMO]"
SEED = 20250601
BATCH = 500

V, M, P, K, T = (HelpKind.VOLUNTEERS, HelpKind.MONEY, HelpKind.PLACE, HelpKind.KNOWLEDGE, HelpKind.MATERIALS)

# (theme slug, title, description, audience, help needed, budget in euros or None); {plaats} is the municipality.
IDEAS: list[tuple[str, str, str, str, tuple[HelpKind, ...], int | None]] = [
    ("nature", "Pluktuin bij de bibliotheek",
     "Op het braakliggende stuk grond naast de bibliotheek in {plaats} willen we een pluktuin aanleggen met "
     "bloemen, kruiden en fruitstruiken. Iedereen mag er plukken; we zoeken mensen die een paar keer per "
     "maand willen wieden en water geven.", "Buurtbewoners, scholen en bezoekers van de bibliotheek", (V, T), 2500),
    ("nature", "Bloemrijke bermen in {plaats}",
     "Samen met de gemeente zaaien we de bermen langs de fietspaden in met inheemse bloemen, zodat bijen en "
     "vlinders er weer voedsel vinden. We zoeken vrijwilligers voor het zaaien in het voorjaar en het maaien "
     "in de herfst.", "Iedereen die langs de fietspaden komt", (V, K), 1800),
    ("nature", "Tiny forest bij de basisschool",
     "Een minibos van 200 vierkante meter naast het schoolplein: honderden inheemse bomen en struiken, dicht "
     "op elkaar geplant. Kinderen leren er over de natuur en de buurt krijgt een koele, groene plek.",
     "Leerlingen, ouders en de buurt", (V, M, K), 6000),
    ("nature", "Zwerfafvalteam {plaats}",
     "Elke eerste zaterdag van de maand prikken we met een groep buurtbewoners zwerfafval in de wijk. We "
     "willen grijpers, hesjes en afvalzakken aanschaffen en zoeken meer mensen die meedoen.",
     "Alle inwoners van de wijk", (V, T), 450),
    ("nature", "Geveltuintjes in de Molenstraat",
     "Tegels eruit, planten erin: we helpen bewoners om een geveltuintje van dertig centimeter breed aan te "
     "leggen. Dat maakt de straat groener en vangt regenwater op.", "Bewoners van de Molenstraat", (V, T), 1200),
    ("nature", "Knotwilgen knotten langs het Kerkepad",
     "Elke winter knotten we de wilgen langs het oude kerkpad. Het hout gaat naar de speeltuin als "
     "houtsnippers. We zoeken handige mensen en iemand met een aanhanger.", "Natuurliefhebbers", (V, T), 300),
    ("care", "Boodschappenmaatjes voor ouderen",
     "Vrijwilligers doen één keer per week boodschappen met of voor een oudere buurtbewoner die slecht ter "
     "been is. Het gaat om de boodschappen, maar net zo goed om het praatje.",
     "Ouderen die niet meer zelf naar de winkel kunnen", (V,), 300),
    ("care", "Samen eten in het buurthuis",
     "Elke donderdag koken vrijwilligers een driegangenmenu voor vijf euro. Voor mensen die alleen wonen is "
     "het een vast moment om anderen te ontmoeten.", "Alleenwonenden en iedereen die gezelschap zoekt",
     (V, P, M), 3500),
    ("care", "Wandelgroep voor mensen met geheugenproblemen",
     "Een wekelijkse wandeling van een uur voor mensen met beginnende dementie en hun mantelzorgers, met "
     "koffie na afloop. We zoeken begeleiders die goed kunnen luisteren.",
     "Mensen met beginnende dementie en hun mantelzorgers", (V, K), 600),
    ("care", "Mantelzorgcafé {plaats}",
     "Een maandelijkse avond waarop mantelzorgers ervaringen delen, even op adem komen en tips krijgen van "
     "een praktijkondersteuner.", "Mantelzorgers", (P, K), 1500),
    ("care", "Klusjesdienst voor minima",
     "Een lekkende kraan, een lamp ophangen, een kast in elkaar zetten: onze klussers helpen mensen die dat "
     "zelf niet kunnen en geen vakman kunnen betalen.", "Huishoudens met een laag inkomen", (V, T), 900),
    ("care", "Digitaal spreekuur in de bibliotheek",
     "Hulp bij DigiD, de bank-app en videobellen met de kleinkinderen. Elke dinsdagochtend zitten er "
     "vrijwilligers klaar met koffie en geduld.", "Iedereen die moeite heeft met digitale zaken", (V, P), 400),
    ("sport", "Beweegtuin bij het wijkpark",
     "Toestellen voor ouderen en jongeren om buiten te bewegen, met een wekelijkse gratis training door een "
     "fysiotherapeut uit de buurt.", "Ouderen en jongeren uit de wijk", (M, K), 25000),
    ("sport", "Jeu-de-boulesbaan opknappen",
     "De baan achter het dorpshuis ligt vol onkruid. Met nieuw gravel en twee bankjes kan de boulesclub er "
     "weer spelen, en kan iedereen die wil aanschuiven.", "De boulesclub en het hele dorp", (V, T, M), 2200),
    ("sport", "Hardloopgroep voor beginners",
     "In tien weken van de bank naar vijf kilometer, samen met anderen die ook net beginnen. De trainers zijn "
     "vrijwilligers van de atletiekvereniging.", "Beginnende lopers", (V,), 250),
    ("sport", "Zwemles voor kinderen uit gezinnen met weinig geld",
     "Nog te veel kinderen halen geen zwemdiploma. Samen met het zwembad willen we lessen betalen voor "
     "kinderen van wie de ouders dat niet kunnen.", "Kinderen van 5 tot 12 jaar", (M,), 8000),
    ("sport", "Wandelvoetbal voor 60-plussers",
     "Voetbal zonder rennen en zonder slidings: elke woensdagmiddag op het kunstgrasveld. Goed voor lijf en "
     "gezelligheid.", "60-plussers", (V, P), 500),
    ("sport", "Fietsles voor nieuwkomers",
     "Vrouwen die nooit hebben leren fietsen krijgen les op een afgesloten terrein; daarna oefenen we samen "
     "in het verkeer.", "Nieuwkomers die willen leren fietsen", (V, T), 1500),
    ("culture", "Muurschildering bij het station",
     "Jongeren uit de wijk ontwerpen samen met een kunstenaar een muurschildering op de grauwe tunnelmuur bij "
     "het station.", "Jongeren en reizigers", (M, K), 7500),
    ("culture", "Zomeravondconcerten in het park",
     "Vier zondagavonden in juli: lokale bands en koren op een klein podium in het park. De toegang is "
     "gratis; wie wil, doet iets in de hoed.", "Iedereen", (V, M, P), 5000),
    ("culture", "Oude foto's van {plaats} digitaliseren",
     "Op zolders liggen duizenden foto's van hoe het dorp vroeger was. We scannen ze, zoeken samen met oudere "
     "inwoners uit wie en wat erop staat, en zetten ze online.", "Iedereen die van lokale geschiedenis houdt",
     (V, K, T), 1200),
    ("culture", "Open podium voor jong talent",
     "Eén keer per maand een avond in het jongerencentrum waar iedereen onder de 25 mag optreden: muziek, "
     "spoken word of stand-up.", "Jongeren tot 25 jaar", (P, V), 2000),
    ("culture", "Boekenruilkastjes in elke wijk",
     "Tien weerbestendige kastjes waar je een boek haalt en een boek brengt. Een timmerwerkplaats bouwt ze, "
     "de buurt beheert ze.", "Lezers van alle leeftijden", (T, V), 1800),
    ("culture", "Verhalenproject 'Mijn straat'",
     "Bewoners vertellen over hun straat; een schrijver maakt er korte verhalen van die we op borden langs "
     "een wandelroute zetten.", "Bewoners en wandelaars", (K, M), 4000),
    ("energy", "Energiecoaches voor huurders",
     "Getrainde vrijwilligers komen langs om te kijken waar het huishouden energie kan besparen en brengen "
     "meteen radiatorfolie en tochtstrips mee.", "Huurders met hoge energierekeningen", (V, T), 3000),
    ("energy", "Zonnepanelen op het dorpshuis",
     "Met een coöperatie van inwoners leggen we 80 panelen op het dak van het dorpshuis. Deelnemers krijgen "
     "hun deel van de opbrengst terug.", "Inwoners zonder eigen geschikt dak", (M, K), 45000),
    ("energy", "Repair Café {plaats}",
     "Kapotte broodrooster, lamp of broek? Elke derde zaterdag repareren vrijwilligers het samen met je, zodat "
     "er minder wordt weggegooid.", "Iedereen met iets kapots", (V, T, P), 800),
    ("energy", "Deelauto's in de wijk",
     "Twee elektrische deelauto's voor de buurt, zodat huishoudens hun tweede auto kunnen wegdoen. We zoeken "
     "deelnemers en een plek met een laadpaal.", "Huishoudens in de wijk", (M, P), 12000),
    ("energy", "Warmtescan van de straat",
     "Met een warmtecamera brengen we in de winter in kaart waar huizen warmte verliezen, en we helpen buren "
     "met de aanpak.", "Huiseigenaren en huurders", (K, T), 1500),
    ("neighbourhood", "Speeltuin in de wijk vernieuwen",
     "De speeltoestellen zijn versleten en er is niets voor kinderen in een rolstoel. Ouders uit de buurt "
     "willen de speeltuin samen met de gemeente vernieuwen.", "Kinderen en hun ouders", (M, V), 18000),
    ("neighbourhood", "Buurtkamer in het leegstaande winkelpand",
     "Het pand van de oude bakker staat al twee jaar leeg. Wij willen er een buurtkamer van maken: koffie, "
     "een leestafel en een plek voor cursussen.", "Alle buurtbewoners", (P, V, M), 9000),
    ("neighbourhood", "Bankjes langs de wandelroute",
     "Voor ouderen is de route naar het centrum te lang zonder rustpunt. Vijf bankjes maken het verschil.",
     "Ouderen en wandelaars", (M,), 3500),
    ("neighbourhood", "Buurtapp en prikbord",
     "Een prikbord in de supermarkt en een buurtapp waar bewoners spullen uitlenen, hulp vragen en "
     "activiteiten delen.", "Iedereen in de buurt", (V,), 200),
    ("neighbourhood", "Straatfeest voor de nieuwe wijk",
     "In de nieuwbouwwijk kennen mensen elkaar nog nauwelijks. Een straatfeest met springkussen en barbecue "
     "brengt daar verandering in.", "Bewoners van de nieuwbouwwijk", (V, T, M), 1500),
    ("youth", "Huiswerkbegeleiding in de bibliotheek",
     "Studenten en gepensioneerde leraren helpen scholieren twee middagen per week met hun huiswerk.",
     "Scholieren van 12 tot 16 jaar", (V, K, P), 1200),
    ("youth", "Jongerencentrum 's avonds open",
     "Jongeren willen een plek om te chillen, te gamen en muziek te maken. We zoeken begeleiders, zodat het "
     "centrum ook op vrijdagavond open kan.", "Jongeren van 14 tot 20 jaar", (V, M), 6000),
    ("youth", "Taalmaatjes voor kinderen",
     "Kinderen die net in Nederland wonen oefenen Nederlands met een maatje: samen lezen, spelletjes doen, "
     "naar de kinderboerderij.", "Kinderen van nieuwkomers", (V,), 500),
    ("youth", "Techniekclub voor meiden",
     "Solderen, programmeren, een robot bouwen: een wekelijkse club voor meiden van 10 tot 14 met vrouwen uit "
     "technische beroepen.", "Meiden van 10 tot 14 jaar", (K, T), 2500),
    ("youth", "Schoolmoestuin",
     "Elke klas een eigen bak: kinderen zaaien, verzorgen en oogsten, en koken aan het eind van het seizoen "
     "samen soep.", "Leerlingen van de basisschool", (V, T), 1800),
    ("together", "Koffieochtend voor nieuwe inwoners",
     "Elke maand een ochtend waarop nieuwe inwoners, statushouders en oude bewoners elkaar ontmoeten bij "
     "koffie en iets lekkers.", "Nieuwe en oude inwoners", (P, V), 400),
    ("together", "Buurtbarbecue zonder grenzen",
     "Iedereen neemt een gerecht mee uit de eigen keuken. Vorig jaar kwamen er 120 mensen uit 15 landen.",
     "De hele buurt", (V, T), 700),
    ("together", "Dorpsagenda op papier",
     "Niet iedereen zit op internet. Een maandelijkse papieren agenda met alle activiteiten in het dorp, "
     "bezorgd door vrijwilligers.", "Inwoners zonder internet", (V, M), 1600),
    ("together", "Samen klussen aan het dorpshuis",
     "Het dorpshuis is van ons allemaal. Op zes zaterdagen schilderen we, leggen we tegels en knappen we de "
     "tuin op.", "Iedereen die een handje wil helpen", (V, T), 3000),
    ("together", "Eetclub voor alleenstaanden",
     "Om de week koken we om beurten voor elkaar, met zes tot acht mensen aan tafel.", "Alleenstaanden",
     (V,), None),
    ("together", "Burenhulp van kerk en moskee",
     "Samen organiseren we hulp voor buren in nood, ongeacht achtergrond: een maaltijd, vervoer naar het "
     "ziekenhuis, een luisterend oor.", "Buren die even hulp nodig hebben", (V, K), 1000),
    ("mobility", "Veilig oversteken bij de basisschool",
     "Ouders willen een zebrapad en klaar-overs bij de school. We brengen de verkeerssituatie in kaart en "
     "praten met de gemeente.", "Schoolkinderen en hun ouders", (V, K), 500),
    ("mobility", "Buurtbus naar het ziekenhuis",
     "Vrijwillige chauffeurs rijden ouderen zonder vervoer naar het ziekenhuis en de huisarts.",
     "Ouderen zonder eigen vervoer", (V, M), 15000),
    ("mobility", "Fietsenmaakdag voor scholieren",
     "Aan het begin van de winter controleren we gratis de verlichting en de remmen van scholierenfietsen.",
     "Scholieren", (V, T), 600),
    ("mobility", "Snelheidsdisplays in de dorpskern",
     "Twee displays die laten zien hoe hard je rijdt, met metingen die we delen met de gemeente.",
     "Iedereen in de dorpskern", (M,), 4000),
    ("mobility", "Lopende schoolbus",
     "Kinderen lopen onder begeleiding van ouders samen naar school, met vaste opstapplekken.",
     "Basisschoolkinderen", (V,), 200),
]

UPDATES = [
    "We hebben de eerste bijeenkomst gehad: er kwamen veertien mensen! Volgende keer maken we de planning.",
    "Goed nieuws: de gemeente denkt mee en we mogen de locatie gebruiken.",
    "Dank aan iedereen die zaterdag kwam helpen. Op de website staan de foto's.",
    "We zoeken nog twee mensen voor de zaterdagochtend. Wie helpt er mee?",
    "De aanvraag voor het buurtbudget is ingediend. Duimen maar!",
    "Het materiaal is binnen. We beginnen volgende week woensdag om 19.00 uur.",
    "Wat een opkomst! Bedankt allemaal. De volgende keer is over vier weken.",
    "Even een tussenstand: we liggen op schema en er doen nu ruim twintig mensen mee.",
]

OFFER_TEXTS = [
    "Ik heb een aanhanger en kan op zaterdag helpen.",
    "Ik kan goed organiseren en help graag met de planning.",
    "Ik heb ervaring met subsidieaanvragen.",
    "Ik kan een paar uur per week vrijmaken.",
    "Mijn zoon en ik komen graag helpen.",
]

FIRST_NAMES = [
    "Anouk", "Bas", "Carla", "Daan", "Esra", "Fleur", "Gert", "Hanneke", "Ibrahim", "Janneke", "Koen",
    "Lotte", "Mohamed", "Noor", "Olga", "Pieter", "Roos", "Sem", "Tessa", "Umut", "Vera", "Willem", "Yara",
    "Zeynep", "Bram", "Chantal", "Dirk", "Eva", "Frank", "Gerda", "Hans", "Inge", "Joost", "Karin", "Lars",
    "Marieke", "Nienke", "Otto", "Priya", "Ruud", "Sanne", "Thijs", "Wendy",
]
SURNAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos",
    "Vos", "Peters", "Hendriks", "van Dijk", "Dijkstra", "Kok", "Jacobs", "Veenstra", "Nijhuis", "Hofman",
    "ten Brinke", "Oude Nijhuis", "Wolters", "Kamphuis", "Huisman", "Brinkman", "Schuurman", "Lammers",
    "Yilmaz", "El Amrani", "Nguyen", "Kaya", "Pothoff", "Scholten", "Bosch",
]
ORGANISATIONS = [
    "Buurtwerk Oost", "Stichting Groen Doen", "Sportservice in de Regio", "Bibliotheek Midden",
    "Energiecoöperatie Samen Sterk", "Welzijn op Maat", "Cultuurhuis De Kern", "Jongerenwerk Noord",
]

# Example subsidy routes: clearly not real (code demo-*, name prefixed [DEMO], is_example).
DEMO_ROUTES: list[dict[str, Any]] = [
    {"code": "demo-kernenfonds", "name": "Kernenfonds voor kleine dorpen", "provider": "Provincie (voorbeeld)",
     "description_nl": "Voorbeeldregeling voor de demo, geen echte subsidie. Voor initiatieven in kernen "
                       "met minder dan 5.000 inwoners die de leefbaarheid verbeteren.",
     "description_en": "Example scheme for the demo, not a real subsidy. For initiatives in villages under "
                       "5,000 inhabitants that improve everyday life.",
     "themes": ["neighbourhood", "together"], "applicant_types": ["informal_group", "foundation", "association"],
     "min": 500, "max": 15000},
    {"code": "demo-groen-doen", "name": "Groen Doen-budget", "provider": "Provincie (voorbeeld)",
     "description_nl": "Voorbeeldregeling voor de demo, geen echte subsidie. Voor vergroening, biodiversiteit "
                       "en natuur dicht bij huis.",
     "description_en": "Example scheme for the demo, not a real subsidy. For greening, biodiversity and "
                       "nature close to home.",
     "themes": ["nature"], "applicant_types": ["individual", "informal_group", "foundation", "association"],
     "min": 250, "max": 7500},
    {"code": "demo-energie-samen", "name": "Samen Energie Besparen", "provider": "Provincie (voorbeeld)",
     "description_nl": "Voorbeeldregeling voor de demo, geen echte subsidie. Voor energiecoaches, "
                       "energiecoöperaties en buurtacties om energie te besparen.",
     "description_en": "Example scheme for the demo, not a real subsidy. For energy coaches, energy "
                       "cooperatives and neighbourhood campaigns that save energy.",
     "themes": ["energy"], "applicant_types": ["foundation", "association"], "min": 1000, "max": 50000},
    {"code": "demo-jeugdfonds", "name": "Jeugd Doet Mee-fonds", "provider": "Fonds (voorbeeld)",
     "description_nl": "Voorbeeldregeling voor de demo, geen echte subsidie. Voor activiteiten door en voor "
                       "jongeren tot 23 jaar.",
     "description_en": "Example scheme for the demo, not a real subsidy. For activities by and for young "
                       "people up to 23.",
     "themes": ["youth", "sport", "culture"], "applicant_types": ["informal_group", "foundation", "association"],
     "min": 100, "max": 5000},
    {"code": "demo-zorgzame-buurt", "name": "Zorgzame Buurt", "provider": "Gemeente (voorbeeld)",
     "description_nl": "Voorbeeldregeling voor de demo, geen echte subsidie. Voor buurtinitiatieven die "
                       "ouderen, mantelzorgers en eenzame mensen ondersteunen.",
     "description_en": "Example scheme for the demo, not a real subsidy. For neighbourhood initiatives that "
                       "support older people, carers and lonely people.",
     "themes": ["care", "together"], "applicant_types": ["individual", "informal_group", "foundation"],
     "min": 200, "max": 10000, "municipalities": ["GM0153", "GM0164", "GM0141"]},
    {"code": "demo-buurtbudget", "name": "Buurtbudget voor iedereen", "provider": "Provincie (voorbeeld)",
     "description_nl": "Voorbeeldregeling voor de demo, geen echte subsidie. Een klein bedrag voor elk goed "
                       "idee, snel en eenvoudig aan te vragen.",
     "description_en": "Example scheme for the demo, not a real subsidy. A small amount for any good idea, "
                       "quick and simple to apply for.",
     "themes": [], "applicant_types": ["individual", "informal_group", "foundation", "association"],
     "min": 50, "max": 1500},
]


@dataclass(frozen=True)
class DemoCounts:
    """How much demo data the database holds (believable demo, or scale mode's)."""

    citizens: int
    initiatives: int
    memberships: int
    updates: int
    subsidy_routes: int


@dataclass(frozen=True)
class _Plan:
    """One initiative of the believable demo, before it is written."""

    key: int
    theme_slug: str
    municipality_index: int
    initiator: int  # index of the demo citizen
    status: Status


def public_name(index: int) -> str:
    """A believable public name for generated citizen `index` (deterministic)."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    surname = SURNAMES[(index // len(FIRST_NAMES) + index * 7) % len(SURNAMES)]
    style = index % 5
    if style == 3:
        return f"{first} {surname.split()[-1][0]}."
    if style == 4:
        return first
    return f"{first} {surname}"


async def seed_demo(scale: int | None = None, *, today: date | None = None) -> DemoCounts:
    """Fill the database with the believable demo (or `scale` initiatives for benchmarks); idempotent."""
    await _ensure_subsidy_routes(today or date.today())
    if scale is not None:
        if scale < 1:
            raise ValueError("scale must be at least 1")
        await _ensure_scale(scale)
        return await demo_counts(scale_mode=True)
    await _ensure_demo()
    return await demo_counts()


async def demo_counts(*, scale_mode: bool = False) -> DemoCounts:
    """Count the rows the demo (or scale mode) made."""
    base = SCALE_TELEGRAM_BASE if scale_mode else DEMO_TELEGRAM_BASE
    in_range = {"telegram_id__gte": base, "telegram_id__lt": base + RANGE_SIZE}
    initiator_range = {"initiator__telegram_id__gte": base, "initiator__telegram_id__lt": base + RANGE_SIZE}
    membership_range = {"initiative__initiator__telegram_id__gte": base,
                        "initiative__initiator__telegram_id__lt": base + RANGE_SIZE}
    return DemoCounts(
        citizens=await Citizen.filter(**in_range).count(),
        initiatives=await Initiative.filter(**initiator_range).count(),
        memberships=await Membership.filter(**membership_range).count(),
        updates=await InitiativeUpdate.filter(**membership_range).count(),
        subsidy_routes=await SubsidyRoute.filter(is_example=True, code__startswith="demo-").count(),
    )


async def demo_initiatives() -> int:
    """How many initiatives of the believable demo the database holds (0: not loaded)."""
    return await Initiative.filter(initiator__telegram_id__gte=DEMO_TELEGRAM_BASE,
                                   initiator__telegram_id__lt=DEMO_TELEGRAM_BASE + RANGE_SIZE).count()


# --- subsidy routes -------------------------------------------------------------------------

async def _ensure_subsidy_routes(today: date) -> None:
    for number, route in enumerate(DEMO_ROUTES):
        deadline = date(today.year + 1, 1 + (number * 2) % 12, 28)
        await SubsidyRoute.update_or_create(code=route["code"], defaults={
            "name": f"{DEMO_PREFIX} {route['name']}",
            "provider": route["provider"],
            "description_nl": route["description_nl"],
            "description_en": route["description_en"],
            "themes": route["themes"],
            "municipalities": route.get("municipalities", []),
            "applicant_types": route["applicant_types"],
            "min_amount_cents": route["min"] * 100,
            "max_amount_cents": route["max"] * 100,
            "opens_on": date(today.year, 1, 1),
            "deadline": deadline,
            "url": "https://example.org/demo-subsidie",
            "contact": "demo@example.org",
            "is_example": True,
        })


# --- the believable demo ----------------------------------------------------------------------

async def _ensure_demo() -> None:
    municipalities = await Municipality.all().order_by("code")
    themes = {theme.slug: theme for theme in await Theme.all()}
    if not municipalities or not themes:
        raise RuntimeError("no municipalities or themes: run `python -m bot migrate` first")
    now = datetime.now(UTC)
    citizen_ids = await _ensure_citizens(DEMO_TELEGRAM_BASE, DEMO_CITIZENS, municipalities, now, reachable=False)
    plans = _plan_demo(len(municipalities), themes, random.Random(SEED))
    initiatives = await _ensure_demo_initiatives(plans, municipalities, themes, citizen_ids, now)
    published = [initiative for plan, initiative in zip(plans, initiatives, strict=True)
                 if plan.status == Status.PUBLISHED]
    await _ensure_demo_memberships(published, citizen_ids)
    await _ensure_demo_updates(published, now)
    await recount([initiative.id for initiative in initiatives])


def _plan_demo(municipality_count: int, themes: dict[str, Theme], rng: random.Random) -> list[_Plan]:
    ideas = [idea for idea in IDEAS if idea[0] in themes]
    statuses = ([Status.SUBMITTED] * 4 + [Status.CHANGES_REQUESTED] * 2 + [Status.WITHDRAWN, Status.REJECTED]
                + [Status.DRAFT])
    statuses += [Status.PUBLISHED] * (len(ideas) - len(statuses))
    rng.shuffle(statuses)
    # every municipality at least once: walk the municipalities in a shuffled order, round and round
    order = list(range(municipality_count))
    rng.shuffle(order)
    initiators = list(range(DEMO_CITIZENS))
    rng.shuffle(initiators)
    return [_Plan(key, idea[0], order[key % municipality_count], initiators[key % 40], statuses[key])
            for key, idea in enumerate(ideas)]


async def _ensure_citizens(base: int, count: int, municipalities: Sequence[Municipality], now: datetime,
                           *, reachable: bool) -> dict[int, int]:
    """Create the citizens base..base+count-1 that are missing; return {index: citizen id}."""
    existing = dict(await Citizen.filter(telegram_id__gte=base, telegram_id__lt=base + count)
                    .values_list("telegram_id", "id"))
    missing = []
    for index in range(count):
        if base + index in existing:
            continue
        registered = now - timedelta(days=(index * 37) % 400, minutes=index)
        professional = index % 13 == 5
        missing.append(Citizen(
            telegram_id=base + index,
            first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
            language="en" if index % 11 == 7 else "nl",
            public_name=public_name(index),
            municipality_id=municipalities[index % len(municipalities)].id,
            role=Role.PROFESSIONAL if professional else Role.RESIDENT,
            organisation=ORGANISATIONS[index % len(ORGANISATIONS)] if professional else None,
            verified_professional=professional and index % 2 == 1,
            consent_at=registered,
            registered_at=registered,
            reachable=reachable,
            created_at=registered,
            last_seen_at=registered,
        ))
    for start in range(0, len(missing), BATCH):
        async with in_transaction():
            await Citizen.bulk_create(missing[start:start + BATCH], batch_size=BATCH)
    if missing:
        existing = dict(await Citizen.filter(telegram_id__gte=base, telegram_id__lt=base + count)
                        .values_list("telegram_id", "id"))
    return {telegram_id - base: citizen_id for telegram_id, citizen_id in existing.items()}


async def _ensure_demo_initiatives(plans: list[_Plan], municipalities: Sequence[Municipality],
                                   themes: dict[str, Theme], citizen_ids: dict[int, int],
                                   now: datetime) -> list[Initiative]:
    initiator_ids = sorted(set(citizen_ids.values()))
    existing = {(i.initiator_id, i.title): i for i in await Initiative.filter(initiator_id__in=initiator_ids)}
    names = dict(await Citizen.filter(id__in=initiator_ids).values_list("id", "public_name"))
    result = []
    for plan in plans:
        _, title, description, audience, help_needed, budget = IDEAS[plan.key]
        municipality = municipalities[plan.municipality_index]
        initiator_id = citizen_ids[plan.initiator]
        title = title.format(plaats=municipality.name)[:100]
        initiative = existing.get((initiator_id, title))
        if initiative is None:
            created = now - timedelta(days=20 + (plan.key * 29) % 330, hours=plan.key)
            submitted = created + timedelta(days=2) if plan.status != Status.DRAFT else None
            published = submitted + timedelta(days=3) if plan.status == Status.PUBLISHED and submitted else None
            initiative = await Initiative.create(
                title=title,
                description=description.format(plaats=municipality.name),
                audience=audience,
                help_needed=[kind.value for kind in help_needed],
                budget_cents=budget * 100 if budget is not None else None,
                theme=themes[plan.theme_slug],
                municipality=municipality,
                initiator_id=initiator_id,
                initiator_name=names.get(initiator_id),
                status=plan.status,
                status_reason=_reason(plan.status),
                created_at=created,
                submitted_at=submitted,
                published_at=published,
            )
        result.append(initiative)
    return result


def _reason(status: Status) -> str | None:
    if status == Status.CHANGES_REQUESTED:
        return "Kun je nog wat meer vertellen over wie er meedoen en wat het gaat kosten?"
    if status == Status.REJECTED:
        return "Dit initiatief valt buiten de regio."
    return None


async def _ensure_demo_memberships(published: list[Initiative], citizen_ids: dict[int, int]) -> None:
    existing = set(await Membership.filter(initiative_id__in=[i.id for i in published])
                   .values_list("initiative_id", "citizen_id", "kind"))
    people = sorted(citizen_ids.values())
    rows = []
    for number, initiative in enumerate(published):
        rng = random.Random(SEED + number)  # the same choices on every run
        popularity = rng.choice((0, 2, 3, 5, 6, 8, 10, 12, 15, 24)) if number else 24
        chosen = rng.sample([p for p in people if p != initiative.initiator_id], popularity)
        for position, citizen_id in enumerate(chosen):
            kind = MembershipKind.FOLLOW if position % 3 == 2 else MembershipKind.JOIN
            offer = rng.sample(initiative.help_needed, min(len(initiative.help_needed), 1 + position % 2)) \
                if kind == MembershipKind.JOIN else []
            if (initiative.id, citizen_id, kind) in existing:
                continue
            rows.append(Membership(
                initiative_id=initiative.id, citizen_id=citizen_id, kind=kind, offer=offer,
                offer_text=OFFER_TEXTS[position % len(OFFER_TEXTS)] if kind == MembershipKind.JOIN
                and position % 4 == 0 else None,
                share_contact=kind == MembershipKind.JOIN and position % 2 == 0,
                notified=True,
            ))
    async with in_transaction():
        await Membership.bulk_create(rows, batch_size=BATCH)


async def _ensure_demo_updates(published: list[Initiative], now: datetime) -> None:
    existing = set(await InitiativeUpdate.filter(initiative_id__in=[i.id for i in published])
                   .values_list("initiative_id", "text"))
    rows = []
    for number, initiative in enumerate(published):
        count = (0, 1, 2, 1, 3)[number % 5]
        for position in range(count):
            text = UPDATES[(number + position * 3) % len(UPDATES)]
            if (initiative.id, text) in existing:
                continue
            rows.append(InitiativeUpdate(initiative_id=initiative.id, author_id=initiative.initiator_id, text=text,
                                         created_at=now - timedelta(days=3 + 9 * (count - position))))
    async with in_transaction():
        await InitiativeUpdate.bulk_create(rows, batch_size=BATCH)


async def recount(initiative_ids: Iterable[int]) -> None:
    """Make members_count and followers_count match the membership rows of these initiatives."""
    ids = list(initiative_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        counts: dict[tuple[int, str], int] = {}
        rows = await (Membership.filter(initiative_id__in=chunk).group_by("initiative_id", "kind")
                      .annotate(n=Count("id")).values_list("initiative_id", "kind", "n"))
        for initiative_id, kind, n in rows:
            counts[(initiative_id, str(getattr(kind, "value", kind)))] = n
        async with in_transaction():
            for initiative_id in chunk:
                await Initiative.filter(id=initiative_id).update(
                    members_count=counts.get((initiative_id, MembershipKind.JOIN.value), 0),
                    followers_count=counts.get((initiative_id, MembershipKind.FOLLOW.value), 0))


# --- scale mode -------------------------------------------------------------------------------

async def _ensure_scale(scale: int) -> None:
    municipalities = await Municipality.all().order_by("code")
    themes = list(await Theme.all().order_by("sort_order", "slug"))
    if not municipalities or not themes:
        raise RuntimeError("no municipalities or themes: run `python -m bot migrate` first")
    now = datetime.now(UTC)
    people = scale * CITIZENS_PER_INITIATIVE
    citizen_ids = await _ensure_citizens(SCALE_TELEGRAM_BASE, people, municipalities, now, reachable=True)
    initiators = [citizen_ids[j * CITIZENS_PER_INITIATIVE] for j in range(scale)]
    done: set[int] = set()
    for start in range(0, scale, BATCH):
        chunk = initiators[start:start + BATCH]
        done.update(await Initiative.filter(initiator_id__in=chunk).values_list("initiator_id", flat=True))
    members = min(MEMBERSHIPS_PER_INITIATIVE, people - 1)
    todo = [j for j in range(scale) if initiators[j] not in done]
    for start in range(0, len(todo), BATCH):
        await _scale_batch(todo[start:start + BATCH], people, members, citizen_ids, municipalities, themes, now)


async def _scale_batch(numbers: list[int], people: int, members: int, citizen_ids: dict[int, int],
                       municipalities: Sequence[Municipality], themes: Sequence[Theme], now: datetime) -> None:
    """Create initiatives number j (with their memberships and counters) in one transaction."""
    joins = min(JOINS_PER_INITIATIVE, members)
    by_slug = {theme.slug: theme for theme in themes}
    rows = []
    for j in numbers:
        idea = IDEAS[j % len(IDEAS)]
        theme = by_slug.get(idea[0]) or themes[j % len(themes)]
        municipality = municipalities[(j * 7) % len(municipalities)]
        published = now - timedelta(minutes=j * 13 % 525_600)
        rows.append(Initiative(
            title=f"{idea[1].format(plaats=municipality.name)} ({j + 1})"[:100],
            description=idea[2].format(plaats=municipality.name),
            audience=idea[3],
            help_needed=[kind.value for kind in idea[4]],
            budget_cents=idea[5] * 100 if idea[5] is not None else None,
            theme_id=theme.id,
            municipality_id=municipality.id,
            initiator_id=citizen_ids[j * CITIZENS_PER_INITIATIVE],
            initiator_name=public_name(j * CITIZENS_PER_INITIATIVE),
            status=Status.PUBLISHED,
            members_count=joins,
            followers_count=members - joins,
            created_at=published - timedelta(days=5),
            submitted_at=published - timedelta(days=4),
            published_at=published,
        ))
    async with in_transaction():
        await Initiative.bulk_create(rows, batch_size=BATCH)
        ids = dict(await Initiative.filter(initiator_id__in=[r.initiator_id for r in rows])
                   .values_list("initiator_id", "id"))
        memberships = []
        for j in numbers:
            initiative_id = ids[citizen_ids[j * CITIZENS_PER_INITIATIVE]]
            for m in range(members):
                person = (j * CITIZENS_PER_INITIATIVE + 1 + m) % people
                kind = MembershipKind.JOIN if m < joins else MembershipKind.FOLLOW
                memberships.append(Membership(initiative_id=initiative_id, citizen_id=citizen_ids[person], kind=kind,
                                              offer=[HelpKind.VOLUNTEERS.value] if kind == MembershipKind.JOIN
                                              else [], notified=True))
        await Membership.bulk_create(memberships, batch_size=2000)
