package siecle

// Data of the synthetic generator. Names are common French names, with the
// accents, apostrophes, spaces, hyphens and ISO-8859-15-only letters (œ, Ž)
// that real exports contain and that break naive importers. Every string
// here must be encodable in ISO-8859-15 (a test checks it).

var genSurnames = [...]string{
	"MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT",
	"SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD",
	"BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT", "MÜLLER", "LEFEBVRE", "FAURE", "ANDRÉ",
	"MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA",
	"PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "MASSON", "MARCHAND",
	"DUVAL", "DENIS", "DUMONT", "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER", "BRUN", "BLANCHARD",
	"GIRAUD", "JOLY", "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD", "MARTINEZ", "GÉRARD",
	"ROCHE", "RENARD", "SCHMITT", "LEROUX", "COLIN", "VIDAL", "CARON", "PICARD", "FABRE", "AUBERT",
	"LEMOINE", "RENAUD", "DUMAS", "LACROIX", "OLIVIER", "BOURGEOIS", "BENOÎT", "LECLERC", "PAYET", "ROLLAND",
	"HUBERT", "BERGER", "CARPENTIER", "SANCHEZ", "DUPUIS", "MOULIN", "DESCHAMPS", "VASSEUR", "PEREZ", "FLEURY",
	"CARRÉ", "MÉNARD", "HERVÉ", "SCHNEIDER", "FERNANDEZ", "LE GOFF", "LE GALL", "LE ROUX", "N'DIAYE", "DIALLO",
	"TRAORÉ", "DIOP", "N'GUESSAN", "D'ALMEIDA", "DA SILVA", "DOS SANTOS", "PEREIRA", "FERREIRA", "BEN SAÏD", "HADDAD",
	"NGUYEN", "TRAN", "CŒUR", "LEBŒUF", "ŽUPAN", "BÉRANGER", "DESCHÊNES", "L'HUILLIER", "SAINT-MARTIN", "DE LA FONTAINE",
}

var genFemaleNames = [...]string{
	"Léa", "Emma", "Chloé", "Inès", "Manon", "Jade", "Louise", "Zoé", "Maëlys", "Lina",
	"Camille", "Sarah", "Anaïs", "Héloïse", "Noémie", "Clémence", "Océane", "Léna", "Éva", "Juliette",
	"Lou", "Alice", "Romane", "Mélissa", "Yasmine", "Aïcha", "Fatoumata", "Maïwenn", "Gaëlle", "Ophélie",
	"Mathilde", "Émilie", "Margaux", "Agathe", "Nour", "Salomé", "Lisa", "Capucine", "Rose", "Ambre",
	"Anaëlle", "Célia", "Hélène", "Laëtitia", "Bérénice", "Solène", "Maëva", "Zoë", "Marie-Ange", "Loïs",
}

var genMaleNames = [...]string{
	"Lucas", "Hugo", "Théo", "Nathan", "Enzo", "Louis", "Mathis", "Noah", "Gabriel", "Jules",
	"Tom", "Raphaël", "Arthur", "Léo", "Maël", "Nolan", "Mattéo", "Timéo", "Noé", "Ethan",
	"Yanis", "Rayan", "Adam", "Kylian", "Mohamed", "Amine", "Bastien", "Clément", "François", "Jérôme",
	"Loïc", "Gaëtan", "Joël", "Benoît", "Quentin", "Maxime", "Valentin", "Alexis", "Dylan", "Kévin",
	"Axel", "Baptiste", "Évan", "Aurélien", "Cédric", "Noël", "Ismaël", "Célestin", "Côme", "Jean-Loïc",
}

// genPlace is a birth place: French department and commune, or a foreign
// country and town.
type genPlace struct {
	country, department, commune, town string
}

var genPlaces = [...]genPlace{
	{"100", "069", "69123", ""}, {"100", "069", "69266", ""}, {"100", "038", "38185", ""},
	{"100", "075", "75056", ""}, {"100", "013", "13055", ""}, {"100", "042", "42218", ""},
	{"100", "001", "01053", ""}, {"100", "974", "97411", ""}, {"100", "093", "93066", ""},
	{"100", "069", "69259", ""}, {"100", "038", "38151", ""}, {"100", "026", "26362", ""},
	{"350", "", "", "CASABLANCA"}, {"352", "", "", "ALGER"}, {"139", "", "", "PORTO"},
	{"132", "", "", "LONDRES"}, {"109", "", "", "FRANCFORT"},
}

// genTrack is one formation an establishment offers: its MEF per year, the
// class name prefixes and group prefixes per year.
type genTrack struct {
	weight   int // share of the students, out of 100
	ageExtra int // years older than usual at entry (CAP in 1 year follows another diploma)
	mefs     []MEFLabel
	classes  []string // class prefix per year: "2NDPRO", "1PRO", "TBPRO"
	groups   []string // group prefix per year: "2P", "1P", "TP"
}

// genMEF builds a MEFLabel of the generator's nomenclature.
func genMEF(code, formation, label, edition string) MEFLabel {
	return MEFLabel{Code: MEF(code), Formation: formation, Label: label, Edition: edition, Parent: MEF(code)}
}

// genTracks returns the formations of the synthetic establishments. It is a
// function, not a variable, so that no caller can mutate shared state.
//
// Speciality 312 (commerce) is offered as Bac pro, CAP and BEP on purpose:
// those are different diplomas with the same speciality, the case
// SameDiploma must reject. CAP cuisine exists in 1 and 2 years: the same
// diploma.
func genTracks() []genTrack {
	return []genTrack{
		{weight: 28, classes: []string{"2NDPRO", "1PRO", "TBPRO"}, groups: []string{"2P", "1P", "TP"}, mefs: []MEFLabel{
			genMEF("24731212310", "2NDPRO", "2NDPRO METIERS DE LA RELATION CLIENT", "2nde professionnelle métiers de la relation client"),
			genMEF("24731212320", "1ERE PRO", "1ERE PRO METIERS DU COMMERCE ET DE LA VENTE", "1re professionnelle métiers du commerce et de la vente"),
			genMEF("24731212330", "TLEPRO", "TLEPRO METIERS DU COMMERCE ET DE LA VENTE", "Terminale professionnelle métiers du commerce et de la vente"),
		}},
		{weight: 22, classes: []string{"2NDPRO", "1PRO", "TBPRO"}, groups: []string{"2P", "1P", "TP"}, mefs: []MEFLabel{
			genMEF("24725503310", "2NDPRO", "2NDPRO METIERS ELECTRICITE ENVIRONNEMENTS CONNECTES", "2nde professionnelle métiers de l'électricité et de ses environnements connectés"),
			genMEF("24725503320", "1ERE PRO", "1ERE PRO METIERS ELECTRICITE ENVIRONNEMENTS CONNECTES", "1re professionnelle métiers de l'électricité et de ses environnements connectés"),
			genMEF("24725503330", "TLEPRO", "TLEPRO METIERS ELECTRICITE ENVIRONNEMENTS CONNECTES", "Terminale professionnelle métiers de l'électricité et de ses environnements connectés"),
		}},
		{weight: 18, classes: []string{"1CAP", "2CAP"}, groups: []string{"1C", "2C"}, mefs: []MEFLabel{
			genMEF("24122104210", "1CAP2", "1CAP2 CUISINE", "1re année de CAP cuisine"),
			genMEF("24122104220", "2CAP2", "2CAP2 CUISINE", "2e année de CAP cuisine"),
		}},
		{weight: 15, classes: []string{"1CAP", "2CAP"}, groups: []string{"1C", "2C"}, mefs: []MEFLabel{
			genMEF("24131214210", "1CAP2", "1CAP2 EQUIPIER POLYVALENT DU COMMERCE", "1re année de CAP équipier polyvalent du commerce"),
			genMEF("24131214220", "2CAP2", "2CAP2 EQUIPIER POLYVALENT DU COMMERCE", "2e année de CAP équipier polyvalent du commerce"),
		}},
		{weight: 6, ageExtra: 2, classes: []string{"1CAP1"}, groups: []string{"K1"}, mefs: []MEFLabel{
			genMEF("24022104110", "1CAP1", "1CAP1 CUISINE", "CAP cuisine en 1 an"),
		}},
		{weight: 11, classes: []string{"2BEP", "TBEP"}, groups: []string{"2B", "TB"}, mefs: []MEFLabel{
			genMEF("24431212210", "2NDBEP", "2NDBEP METIERS DE LA RELATION CLIENT", "2nde BEP métiers de la relation client"),
			genMEF("24431212220", "TLEBEP", "TLEBEP METIERS DE LA RELATION CLIENT", "Terminale BEP métiers de la relation client"),
		}},
	}
}

// genCollegeMEF is last year's MEF of students coming from a collège.
func genCollegeMEF() MEFLabel {
	return genMEF("10310019110", "3EME", "3EME", "3e")
}

// GeneratedMEFs returns the MEFs that Generate writes, with their labels,
// in a stable order: the formations of the synthetic establishment and the
// collège year (3e) that new students come from. Referentials and demos use
// it to refer to generated data; the slice is a fresh copy on every call.
func GeneratedMEFs() []MEFLabel {
	var out []MEFLabel
	for _, t := range genTracks() {
		out = append(out, t.mefs...)
	}
	return append(out, genCollegeMEF())
}
