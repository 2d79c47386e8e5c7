"""Words too common to say anything about a match, in the four languages of Agora (en, fr, nl, de).

Accents are already stripped when these are compared (see matching.tokenize), so
the lists are written without them.
"""

ENGLISH = """
a about above after again against all also among an and any are aren as at be because been before being below
between both but by can cannot could did didn do does doing don down during each either etc every few for from
further get gets got had has have having he her here hers herself him himself his how however i if in into is
isn it its itself just let like made make makes many may me might more most much must my myself need needs no nor
not now of off often on once one only or other others our ours ourselves out over own per same shall she should
so some such than that the their theirs them themselves then there these they this those through thus to too
under until up upon us use used uses using very via was we well were what when where whether which while who whom
whose why will with within without would yet you your yours yourself yourselves new way ways want wants able
http https www com org html
"""

FRENCH = """
au aux avec ce ces cet cette dans de des du elle elles en est et etre eux il ils je la le les leur leurs lui ma
mais me meme mes moi mon ne nos notre nous on ou par pas plus pour qu que qui sa sans se ses son sont sur ta te
tes toi ton tu un une vos votre vous ceci cela celle celles celui ceux chaque comme dont donc entre ici lors
ont peu peut plusieurs quand quel quelle quelles quels sans selon si sous tous tout toute toutes tres avoir
fait faire etait sera seront ainsi alors aussi autre autres bien car deja encore non oui
"""

DUTCH = """
aan al alle als bij binnen dan dat de deze die dit door een en er geen had heb hebben heeft het hier hij hoe
hun ik in is ja je kan kunnen maar me meer met mij mijn na naar niet nog nu of om omdat ons onze ook op over
te tegen toe tot uit van veel voor waar wat we wel werd wie wij wordt worden zal ze zich zij zijn zo zoals zou
onder tussen elk elke andere ander moet moeten wordt
"""

GERMAN = """
aber alle allem allen aller alles als also am an auch auf aus bei beim bin bis bist da damit dann das dass
dein deine dem den der des dessen die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem
einen einer eines er es fur gegen hat hatte haben hier ich ihr ihre im in ist ja jede jedem jeden jeder jedes
kann kein keine konnen mit muss nach nicht noch nur ob oder ohne sehr sein seine sich sie sind so soll sollen
uber um und uns unser unsere unter vom von vor war waren was weil wenn wer werden wie wir wird wo zu zum zur
zwischen
"""

STOP_WORDS = frozenset((ENGLISH + FRENCH + DUTCH + GERMAN).split())
