"""The texts of the demo world (marketplace/demo.py): Belgian-style agencies and companies, each challenge told in
its own language (English, French or Dutch) with its own summary, problem, questions, pitches and outcome.

Nothing here is real: names, numbers and web addresses are made up (every address ends in .example.be).
"""

# (name, short name for the sign-ins and the slug, language of its staff, context, constraints)
AGENCIES = [
    ("Watermaatschappij Vlaanderen", "water", "nl",
     "Watermaatschappij Vlaanderen levert drinkwater aan 180 gemeenten en beheert 33.000 km leidingen.",
     "Geen persoonsgegevens buiten de EU. Niets dat bewoners zelf moeten installeren. Werken op de openbare weg "
     "alleen met een vergunning van de gemeente."),
    ("Ville de Liège", "liege", "fr",
     "La Ville de Liège gère 1.100 km de voiries communales, l'éclairage public et les guichets de l'hôtel de ville.",
     "Aucune donnée personnelle hors de l'Union européenne. Le matériel installé sur la voie publique respecte le "
     "règlement communal. Pas de nouvelle application à installer pour les habitants."),
    ("Federal Public Service Health", "health", "en",
     "The Federal Public Service Health works with Belgium's hospitals, care homes and general practitioners.",
     "Health data stays in Belgium and is processed under the GDPR. Everything patients see is offered in Dutch, "
     "French and German. No new device patients must pay for."),
]

# Each agency's postal address (street and number, postal code, locality; all in Belgium), by its short name.
AGENCY_ADDRESSES = {
    "water": ("Stationsstraat 110", "2800", "Mechelen"),
    "liege": ("Place du Marché 2", "4000", "Liège"),
    "health": ("Avenue Galilée 5/2", "1210", "Brussels"),
}

# (name, size, CPV divisions, what it does, keywords, verified); the first three own the README's sign-ins.
COMPANIES = [
    ("LeakSense", "small", ["38", "65"], "Acoustic loggers clipped to water mains hear a leak weeks before it "
     "bursts; our analysts send the crew to within two metres.", "water, leaks, acoustic, sensors, pipes", True),
    ("AquaData", "micro", ["72", "65"], "Een dataplatform voor waterbedrijven: slimme meters, dashboards en "
     "alarmen bij ongewoon verbruik.", "water, data, meters, dashboards", True),
    ("Careflow", "small", ["72", "85"], "Appointment reminders patients answer by text message; free slots go to "
     "the waiting list automatically.", "health, appointments, sms, reminders", True),
    ("MediRoute", "medium", ["85", "60"], "Planification du transport de patients pour hôpitaux et maisons de "
     "repos, avec suivi des ambulances en temps réel.", "santé, transport, patients, planification", True),
    ("Silent Wheels", "small", ["34", "60"], "Électrification de bus urbains et conduite douce la nuit, "
     "mesurée par des capteurs de bruit en façade.", "bus, bruit, électrique, nuit", True),
    ("RoadEye", "micro", ["38", "45"], "Une caméra sur les véhicules communaux repère les nids-de-poule et les "
     "fissures pendant les tournées habituelles.", "voirie, nids-de-poule, caméra, inspection", True),
    ("Zoutwijzer", "small", ["44", "90"], "Strooiroutes op maat van het weerbericht en de wegtemperatuur: minder "
     "zout, dezelfde veiligheid.", "winter, strooien, zout, routes", True),
    ("CleanAir Labs", "micro", ["38", "90"], "CO2 and air quality monitors for classrooms, with a traffic light "
     "teachers understand at a glance.", "air, co2, schools, sensors", True),
    ("Formulaire Facile", "micro", ["72"], "Des formulaires en ligne accessibles que les citoyens terminent, en "
     "trois langues.", "formulaires, accessibilité, citoyens", True),
    ("OpenLedger", "small", ["72", "79"], "Open data publishing for public bodies, from spreadsheet to "
     "open-data portal in a day.", "open data, transparency", True),
    ("Lumen Lighting", "medium", ["31", "45"], "Éclairage public intelligent qui baisse la nuit et s'allume au "
     "passage des piétons et des cyclistes.", "éclairage, énergie, rues, LED", True),
    ("WasteWise", "small", ["90"], "Sensoren in ondergrondse containers: de vrachtwagen ledigt alleen wat vol "
     "is.", "afval, containers, routes", True),
    ("Translatio", "micro", ["79"], "Human and machine translation of public letters into plain Dutch, French "
     "and German.", "translation, plain language, letters", True),
    ("SafeSteps", "small", ["85", "33"], "Fall detection for older people living at home, worn as a wristband "
     "or fitted in the ceiling.", "falls, elderly, care, sensors", True),
    ("BuildScan", "medium", ["71", "45"], "Drone-inspectie van bruggen en openbare gebouwen, met een rapport per "
     "scheur.", "drones, inspectie, bruggen", True),
    ("Guichet Rapide", "micro", ["72", "79"], "Prise de rendez-vous en ligne pour les guichets communaux, avec "
     "ticket SMS le jour même.", "rendez-vous, guichets, files", True),
    ("Bodemzicht", "small", ["03", "38"], "Bodemvochtsensoren voor parken en velden: sproeien als het nodig is.",
     "bodem, irrigatie, parken", False),
    ("Warmtekaart", "small", ["71", "09"], "Warmteverlies van openbare gebouwen in kaart gebracht met "
     "warmtebeelden vanuit de lucht.", "energie, gebouwen, warmte", False),
    ("DataDesk", "large", ["72"], "Data warehousing and analytics for federal and regional government.",
     "data, analytics, warehouse", True),
    ("Vélo&Co", "micro", ["34", "50"], "Entretien et gestion de flottes de vélos partagés.", "vélos, mobilité",
     False),
]

CRITERIA = {
    "en": ["How well it solves the problem", "Evidence it works", "Price of the pilot"],
    "fr": ["Réponse au problème", "Preuves que cela fonctionne", "Prix du pilote"],
    "nl": ["Hoe goed het het probleem oplost", "Bewijs dat het werkt", "Prijs van de pilot"],
}

SCORE_COMMENTS = {
    "en": ["Clear plan, and the references are relevant.", "Convincing evidence from a comparable hospital.",
           "The price is high for twelve weeks.", "Little detail on how staff will be trained."],
    "fr": ["Plan clair, références pertinentes.", "Le prix est élevé pour douze semaines.",
           "Peu de détails sur la formation du personnel.", "Résultats convaincants dans une ville comparable."],
    "nl": ["Duidelijk plan, relevante referenties.", "De prijs is hoog voor twaalf weken.",
           "Weinig uitleg over de opleiding van het personeel.", "Overtuigende resultaten bij een vergelijkbaar "
           "waterbedrijf."],
}

NOT_SELECTED_FEEDBACK = {
    "en": "Thank you for a careful pitch. Another proposal showed stronger evidence in hospitals like ours; yours "
          "scored lower on the price of the pilot.",
    "fr": "Merci pour une proposition soignée. D'autres offres apportaient des preuves plus solides dans une ville "
          "comparable ; la vôtre a obtenu une note plus basse sur le prix du pilote.",
    "nl": "Bedankt voor het zorgvuldige voorstel. Andere voorstellen toonden sterkere resultaten bij een "
          "vergelijkbaar waterbedrijf; het uwe scoorde lager op de prijs van de pilot.",
}
SELECTED_FEEDBACK = {
    "en": "Your pitch scored highest on evidence; we look forward to the pilot.",
    "fr": "Votre proposition a obtenu la meilleure note sur les preuves ; nous nous réjouissons du pilote.",
    "nl": "Uw voorstel scoorde het best op bewijs; we kijken uit naar de pilot.",
}

# Each challenge: agency index, language, status, kind, sectors, budget (max), days from today to the pitch
# deadline, the hour of the deadline in Brussels, and its texts. `pitches` lists (company, title, summary,
# price); `story` says how the evaluation and pilots went (see demo.py).
CHALLENGES = [
    dict(agency=0, language="nl", status="published", kind="call_for_solutions", sectors=["65", "38"],
         budget=60000, days=25, hour=12,
         title="Lekken in waterleidingen vinden voor ze barsten",
         summary="Een op vijf liter drinkwater lekt weg in oude gietijzeren leidingen. We zoeken een manier om "
                 "lekken te vinden voordat de straat onder water staat.",
         problem="In 2025 verloren we 21 % van het drinkwater dat we produceerden. De meeste lekken vinden we pas "
                 "als een leiding barst: een straat onder water, 400 gezinnen zonder water en een herstelling "
                 "van gemiddeld **€ 18.000**.\n\n* 3.200 km gietijzeren leidingen ouder dan 60 jaar\n"
                 "* 260 breuken per jaar, vooral in de winter",
         affected="Gezinnen en bedrijven die uren zonder water zitten, en onze ploegen die 's nachts uitrukken.",
         outcomes="Lekken gevonden en hersteld voordat ze barsten, in een proefzone van 150 km leiding.",
         measures=[("Breuken per jaar in de proefzone", "38", "20"), ("Waterverlies in de proefzone", "21 %", "15 %")],
         question=("Mogen we loggers op brandkranen plaatsen?", "Ja, op alle brandkranen in de proefzone."),
         pitches=[("LeakSense", "Akoestische loggers op brandkranen", "Loggers luisteren 's nachts naar het "
                   "leidingnet en melden lekken binnen twee meter.", 24000),
                  ("AquaData", "Lekken opsporen uit het verbruik van slimme meters", "We vergelijken de "
                   "nachtelijke doorstroming per wijk en wijzen de lekkende straat aan.", 18500)]),
    dict(agency=0, language="en", status="published", kind="call_for_solutions", sectors=["65", "72"],
         budget=25000, days=2, hour=16,
         title="Fewer wasted hours reading water meters",
         summary="Our meter readers visit 90,000 homes a year, and one visit in four finds nobody in. We want "
                 "readings without the wasted trips.",
         problem="Meter readers knock on the door, and a quarter of the time nobody answers: the reader leaves a "
                 "card, the household forgets it, and the bill is estimated. Estimated bills bring **4,000 "
                 "complaints** a year.\n\n* 23 readers, 90,000 visits\n* one visit in four without a reading",
         affected="Households who get estimated bills, and the readers who come back two or three times.",
         outcomes="Nine readings in ten without a second visit, at no extra cost for households.",
         measures=[("Visits without a reading", "25 %", "10 %"), ("Complaints about estimated bills", "4,000",
                                                                     "2,000")],
         question=("Do the meters have to stay the same model?", "No: replacing meters in the pilot area is "
                   "allowed."),
         pitches=[("AquaData", "Read meters from the street by radio", "A clip-on radio module lets the reader "
                   "collect readings from the pavement.", 14000),
                  ("OpenLedger", "Households send their own reading", "A one-minute web form with a photo of the "
                   "meter, checked automatically.", 9500)]),
    dict(agency=0, language="nl", status="published", kind="market_consultation", sectors=["90", "72"],
         budget=None, days=40, hour=12,
         title="Wat biedt de markt voor waarschuwingen bij overstromingen?",
         summary="Voor we een opdracht uitschrijven, willen we weten welke systemen bewoners en ploegen vandaag "
                 "al tijdig waarschuwen als de Dender buiten haar oevers treedt.",
         problem="Bij de overstromingen van 2021 hoorden veel bewoners pas van het water toen het al in hun kelder "
                 "stond. We hebben meetpunten langs de rivier, maar geen manier om bewoners per straat te "
                 "waarschuwen.\n\n* 14 meetpunten langs de Dender\n* 6.000 woningen in overstromingsgebied",
         affected="Bewoners langs de Dender en de brandweerzones van de regio.",
         outcomes="Een overzicht van wat de markt biedt, wat het kost en hoe snel het kan werken.",
         measures=[],
         question=("Moet het systeem ook in het Frans waarschuwen?", "Ja, in het Nederlands en het Frans."),
         pitches=[("OpenLedger", "Waarschuwingen per straat uit open meetgegevens", "We koppelen de "
                   "meetpunten aan een kaart per straat en sturen een sms.", None)]),
    dict(agency=0, language="nl", status="draft", kind="call_for_solutions", sectors=["90"], budget=20000, days=45,
         hour=12,
         title="Helder water in de stadsvijvers",
         summary="Blauwalg sluit elke zomer drie vijvers voor honden en kinderen. We zoeken een zachte manier om "
                 "het water helder te houden.",
         problem="Van juni tot september groeit blauwalg in de vijvers die we beheren. We sluiten ze dan af, en "
                 "chemische middelen willen we niet gebruiken.\n\n* 3 vijvers, samen 4 hectare",
         affected="Gezinnen en wandelaars in de parken.", outcomes="Geen sluiting door blauwalg in een zomer.",
         measures=[("Dagen gesloten per zomer", "45", "0")], question=None, pitches=[]),
    dict(agency=0, language="nl", status="piloting", kind="call_for_solutions", sectors=["65", "38"],
         budget=45000, days=-150, hour=12,
         title="Drukval in het leidingnet sneller opsporen",
         summary="Als de druk in een wijk daalt, horen we het pas van bellende klanten. We willen het zelf zien, "
                 "binnen het kwartier.",
         problem="Een drukval betekent een breuk, een vastgelopen kraan of een pomp die uitvalt. Vandaag merken we "
                 "het pas als klanten bellen, gemiddeld **drie uur** later.\n\n* 120 drukzones\n"
                 "* 9.000 telefoons per jaar over lage druk",
         affected="Klanten zonder of met te weinig water, en de wachtdienst.",
         outcomes="Elke drukval binnen 15 minuten gezien, met de plek van de oorzaak.",
         measures=[("Tijd tot we een drukval zien", "3 uur", "15 minuten"), ("Telefoons over lage druk",
                                                                              "9.000", "5.000")],
         question=("Kunnen de sensoren stroom nemen uit de pompstations?", "In de pompstations wel, in de "
                   "straatkasten niet."),
         pitches=[("AquaData", "Drukmeters met een alarm binnen vijf minuten", "Veertig drukmeters in de "
                   "proefzones, gekoppeld aan ons dataplatform.", 28000),
                  ("LeakSense", "Akoestische loggers met drukmeting", "Onze loggers meten ook de druk en "
                   "melden een val meteen.", 31000),
                  ("DataDesk", "Een datawarehouse voor alle meetgegevens", "We brengen SCADA- en "
                   "metergegevens samen in één rapport.", 42000)],
         story="extended"),
    dict(agency=1, language="fr", status="closed", kind="call_for_solutions", sectors=["34", "60"], budget=90000,
         days=-3, hour=12,
         title="Des bus de nuit plus silencieux",
         summary="Les riverains des lignes de nuit se plaignent du bruit des bus entre minuit et cinq heures. "
                 "Nous cherchons des bus, ou une conduite, qui laissent dormir le quartier.",
         problem="Trois lignes de nuit traversent des rues étroites du centre. Les bus diesel y dépassent **70 dB** "
                 "en façade au démarrage, et les plaintes ont doublé depuis 2023.\n\n"
                 "* 3 lignes, 42 passages par nuit\n* 310 plaintes en 2025",
         affected="Les riverains du centre et les chauffeurs des lignes de nuit.",
         outcomes="Moins de 55 dB en façade au passage d'un bus, la nuit.",
         measures=[("Bruit en façade au démarrage", "70 dB", "55 dB"), ("Plaintes par an", "310", "100")],
         question=("Le pilote peut-il se faire sur une seule ligne ?", "Oui, la ligne 4 est prévue pour le "
                   "pilote."),
         pitches=[("Silent Wheels", "Bus électriques et conduite douce sur la ligne 4", "Deux bus électriques "
                   "et une formation à la conduite douce, mesurés en façade.", 76000),
                  ("Vélo&Co", "Des vélos partagés la nuit", "Un service de vélos la nuit pour réduire le nombre "
                   "de passages.", 22000)]),
    dict(agency=1, language="fr", status="evaluating", kind="call_for_solutions", sectors=["45", "38"],
         budget=30000, days=-20, hour=11,
         title="Repérer les nids-de-poule avant les plaintes des habitants",
         summary="Un nid-de-poule signalé par un habitant a souvent déjà abîmé des pneus. Nous voulons les repérer "
                 "nous-mêmes, au début de l'hiver.",
         problem="Nos équipes réparent 5.000 nids-de-poule par an, presque tous après un signalement. Entre "
                 "l'apparition du trou et la réparation passent en moyenne **26 jours**.\n\n"
                 "* 1.100 km de voiries communales\n* 640 demandes d'indemnisation en 2025",
         affected="Les cyclistes et automobilistes, et le service des voiries.",
         outcomes="Des nids-de-poule réparés avant le premier signalement.",
         measures=[("Délai entre apparition et réparation", "26 jours", "7 jours"),
                   ("Demandes d'indemnisation", "640", "300")],
         question=("Pouvons-nous équiper les camions-poubelles ?", "Oui, ils passent dans chaque rue chaque "
                   "semaine."),
         pitches=[("RoadEye", "Une caméra sur les camions-poubelles", "Une caméra repère les trous pendant la "
                   "tournée et les place sur une carte.", 19000),
                  ("BuildScan", "Inspection par drone des grands axes", "Un vol mensuel des grands axes avec un "
                   "rapport par défaut.", 27000),
                  ("Formulaire Facile", "Un formulaire de signalement en deux clics", "Les habitants signalent "
                   "plus vite, avec photo et position.", 8000)],
         story="scoring"),
    dict(agency=1, language="fr", status="piloting", kind="call_for_solutions", sectors=["44", "90"],
         budget=56000, days=-90, hour=12,
         title="Moins de sel sur les routes en hiver",
         summary="Chaque hiver, nous épandons 6.000 tonnes de sel, souvent sur des routes déjà sèches. Nous voulons "
                 "saler là où il gèle, quand il gèle.",
         problem="Les camions suivent les mêmes circuits quelle que soit la météo. Le sel abîme les arbres, les "
                 "ponts et les nappes phréatiques, et coûte **€ 540.000** par an.\n\n"
                 "* 18 circuits d'épandage\n* 6.000 tonnes de sel par hiver",
         affected="Les usagers de la route, les arbres des avenues et le service hivernal.",
         outcomes="Autant de routes sûres avec un tiers de sel en moins.",
         measures=[("Sel épandu par hiver", "6.000 t", "4.000 t"), ("Accidents par temps de gel", "85", "85")],
         question=("Les camions ont-ils déjà un GPS ?", "Oui, tous les camions ont un GPS depuis 2024."),
         pitches=[("Zoutwijzer", "Des circuits selon la température de la route", "Des capteurs de température "
                   "et la météo décident chaque soir des circuits à saler.", 26000),
                  ("RoadEye", "Des caméras qui voient le verglas", "Nos caméras détectent la glace pendant la "
                   "tournée et préviennent le chauffeur.", 22000),
                  ("Bodemzicht", "Des sondes dans la chaussée", "Des sondes d'humidité et de température sous "
                   "la route.", 30000)],
         story="two_awards", session_address="Hôtel de ville de Liège, place du Marché 2, salle du conseil"),
    dict(agency=1, language="fr", status="completed", kind="call_for_solutions", sectors=["31", "45"],
         budget=40000, days=-200, hour=12,
         title="Un éclairage public qui s'allume quand il faut",
         summary="Nos 32.000 lampadaires brûlent toute la nuit, même dans les rues vides. Nous cherchons un "
                 "éclairage qui suit les passants, sans rendre les rues moins sûres.",
         problem="L'éclairage public représente **42 %** de la facture d'électricité de la Ville. La nuit, "
                 "certaines rues ne voient passer personne pendant des heures.\n\n"
                 "* 32.000 points lumineux\n* 9,5 GWh par an",
         affected="Les habitants, qui doivent se sentir en sécurité, et le budget de la Ville.",
         outcomes="Moins d'énergie, sans plainte sur la sécurité.",
         measures=[("Consommation du quartier pilote", "410 MWh", "250 MWh"), ("Plaintes sur la sécurité", "12",
                                                                                 "12")],
         question=("Les lampadaires sont-ils déjà en LED ?", "Dans le quartier pilote, oui, depuis 2022."),
         pitches=[("Lumen Lighting", "Des lampadaires qui suivent les passants", "Un détecteur par mât allume "
                   "la rue devant le piéton et la rebaisse derrière lui.", 34000),
                  ("Warmtekaart", "Une carte de l'énergie de la Ville", "Une carte des consommations pour "
                   "choisir les rues à équiper.", 15000)],
         story="adopted",
         outcome=("La consommation du quartier pilote a baissé de 41 % sans plainte sur la sécurité ; la Ville "
                  "équipe trois quartiers de plus.",
                  "Commencer par les rues résidentielles ; prévenir les habitants une semaine avant.")),
    dict(agency=1, language="fr", status="cancelled", kind="call_for_solutions", sectors=["72", "79"],
         budget=15000, days=-14, hour=12,
         title="Moins d'attente aux guichets de l'hôtel de ville",
         summary="Le lundi matin, on attend plus d'une heure pour une carte d'identité. Nous cherchons une prise "
                 "de rendez-vous simple, y compris pour ceux qui n'ont pas d'ordinateur.",
         problem="Les guichets population reçoivent 600 personnes par jour, dont la moitié le lundi et le samedi. "
                 "L'attente dépasse **une heure** aux heures de pointe.\n\n* 14 guichets\n"
                 "* 150.000 visites par an",
         affected="Les habitants, surtout les personnes âgées, et les agents des guichets.",
         outcomes="Personne n'attend plus de quinze minutes.",
         measures=[("Attente moyenne le lundi", "65 min", "15 min")],
         question=("Faut-il un accès par téléphone ?", "Oui, une ligne téléphonique doit rester possible."),
         pitches=[("Guichet Rapide", "Rendez-vous en ligne et ticket par SMS", "Un agenda en ligne et un ticket "
                   "SMS pour ceux qui arrivent sans rendez-vous.", 12000),
                  ("Formulaire Facile", "Des démarches en ligne sans guichet", "Les démarches simples en ligne, "
                   "pour que moins de gens doivent venir.", 9000)],
         story="cancelled",
         cancel_reason="Le conseil communal a décidé de regrouper les guichets dans le nouveau "
                       "centre administratif ; la prise de rendez-vous sera choisie avec ce projet. Merci aux "
                       "entreprises qui ont répondu : nous reviendrons vers vous."),
    dict(agency=1, language="fr", status="evaluating", kind="call_for_solutions", sectors=["38", "90"],
         budget=20000, days=-40, hour=10,
         title="Un air plus sain dans les classes",
         summary="Dans nos écoles communales, le CO2 dépasse souvent 1.500 ppm l'après-midi. Nous cherchons comment "
                 "aérer au bon moment, sans refroidir les classes.",
         problem="Les enseignants ouvrent les fenêtres au jugé. Dans 60 % des classes mesurées en 2025, l'air "
                 "dépasse **1.500 ppm** de CO2 après 14 heures.\n\n* 48 écoles communales\n* 620 classes",
         affected="Les élèves et les enseignants des écoles communales.",
         outcomes="Moins de 1.000 ppm de CO2 dans les classes, sans hausse du chauffage.",
         measures=[("Classes au-dessus de 1.500 ppm", "60 %", "10 %")],
         question=("Les capteurs doivent-ils être fixés au mur ?", "Non, un capteur posé sur une étagère convient."),
         pitches=[("CleanAir Labs", "Un feu tricolore du CO2 dans chaque classe", "Un capteur avec un feu "
                   "vert, orange, rouge que les élèves comprennent.", 21000),
                  ("DataDesk", "Un tableau de bord de l'air des écoles", "Toutes les mesures des écoles dans un "
                   "tableau de bord central.", 26000)],
         story="none_selected",
         feedback="Votre proposition dépasse le budget de € 20.000 et n'a pas été testée dans une école. Aucune "
                  "offre n'a été retenue ; nous relancerons un appel plus précis au printemps."),
    dict(agency=2, language="en", status="published", kind="call_for_solutions", sectors=["85", "72"],
         budget=30000, days=12, hour=12,
         title="Fewer missed hospital appointments",
         summary="One outpatient appointment in eight is missed without notice. We look for reminders that "
                 "patients answer, so the slot goes to someone on the waiting list.",
         problem="Belgian hospitals lose about **1.2 million** outpatient slots a year to no-shows. Letters arrive "
                 "too late, and phone reminders take a nurse's afternoon.\n\n"
                 "* 12 % of appointments missed\n* average wait for a specialist: 9 weeks",
         affected="Patients on waiting lists, and the nurses who phone to remind.",
         outcomes="Half as many missed appointments in the pilot hospitals.",
         measures=[("Missed appointments", "12 %", "6 %"), ("Nurse hours spent phoning per week", "30", "5")],
         question=("Must reminders work without a smartphone?", "Yes: a plain text message must be enough."),
         pitches=[("Careflow", "Text reminders patients can answer", "Patients reply YES or NO; a free slot goes "
                   "to the waiting list within the hour.", 22000),
                  ("Translatio", "Reminders in the patient's language", "Reminder texts in plain Dutch, French "
                   "and German, checked by translators.", 9000)]),
    dict(agency=2, language="en", status="completed", kind="call_for_solutions", sectors=["85", "33"],
         budget=30000, days=-240, hour=12,
         title="Fall detection for people living alone",
         summary="Older people who fall at home often lie for hours before help comes. We want to test whether "
                 "discreet sensors can call a carer within minutes.",
         problem="One in three people over 65 falls each year, and half of those living alone cannot get up "
                 "without help. Emergency buttons are **not worn** in two cases out of three.\n\n"
                 "* 40 homes in the pilot\n* average time on the floor today: 3 hours",
         affected="Older people living alone and their home carers.",
         outcomes="Help within 15 minutes after a fall, with few false alarms.",
         measures=[("Time until help arrives", "3 hours", "15 minutes"), ("False alarms per home per month", "—",
                                                                          "1")],
         question=("Can the sensors use the home's Wi-Fi?", "No: many homes have none; bring your own link."),
         pitches=[("SafeSteps", "Ceiling sensors that call a carer", "A ceiling radar sees a fall without a "
                   "camera and calls the carer's phone.", 26000),
                  ("Careflow", "A daily check-in by text message", "A text every morning; no answer, and a "
                   "carer calls.", 11000)],
         story="stopped",
         outcome=("The sensors found every real fall, but raised 4.5 false alarms per home per month in older "
                  "houses; carers stopped trusting them. The service stops after the pilot.",
                  "Test in a few homes before a whole district, and involve the carers from the first week.")),
    dict(agency=2, language="fr", status="completed", kind="market_consultation", sectors=["85", "60"],
         budget=None, days=-60, hour=15,
         title="Comprendre le marché du transport de patients",
         summary="Avant de revoir les règles du transport non urgent, nous voulons savoir ce que proposent les "
                 "entreprises de planification et de transport de patients.",
         problem="Les patients dialysés attendent souvent plus d'une heure leur retour à domicile. Les hôpitaux "
                 "réservent chacun leurs transports, sans vue d'ensemble.\n\n"
                 "* 8.000 patients dialysés\n* 3 trajets par semaine chacun",
         affected="Les patients en traitement régulier et les services de transport des hôpitaux.",
         outcomes="Un état du marché pour préparer un cahier des charges.",
         measures=[],
         question=("Les réponses seront-elles publiées ?", "Une synthèse anonyme, oui."),
         pitches=[("MediRoute", "Planification partagée entre hôpitaux", "Une plateforme commune de réservation "
                   "des trajets, avec suivi en temps réel.", None),
                  ("DataDesk", "Analyse des trajets existants", "Une analyse des trajets de 2025 pour trouver "
                   "les regroupements possibles.", None)],
         summary_text="Neuf entreprises ont répondu. Quatre proposent un produit prêt, trois un prototype ; les "
                      "coûts indicatifs vont de € 10.000 à € 40.000. Toutes demandent un accès aux horaires de "
                      "dialyse des hôpitaux."),
    dict(agency=2, language="nl", status="draft", kind="call_for_solutions", sectors=["79", "85"], budget=12000,
         days=30, hour=12,
         title="Gezondheidsbrieven in eenvoudige taal",
         summary="Veel patiënten begrijpen onze brieven over terugbetaling niet. We zoeken hulp om ze eenvoudig te "
                 "schrijven, in drie talen.",
         problem="Brieven over terugbetaling en vaccinatie gebruiken juridische taal. Een op drie mensen belt "
                 "daarna met de vraag wat ze moeten doen.\n\n* 40 standaardbrieven\n* 3 talen",
         affected="Patiënten en de medewerkers van de infolijn.",
         outcomes="Brieven die mensen in één keer begrijpen.",
         measures=[("Telefoons na een brief", "1 op 3", "1 op 10")], question=None, pitches=[]),
]
