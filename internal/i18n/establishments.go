package i18n

func init() { add("establishments", establishments) }

// establishments holds the messages of the establishments: their list and settings, and an establishment's dashboard (establishments.html, establishment.html, dashboard.html).
var establishments = map[string]Msg{
	"est.title":     {"Établissements", "Establishments"},
	"est.uai":       {"UAI", "UAI"},
	"est.name":      {"Nom", "Name"},
	"est.academie":  {"Académie", "Académie"},
	"est.kind":      {"Type", "Kind"},
	"est.create":    {"Ajouter un établissement", "Add an establishment"},
	"est.send":      {"Autoriser l’envoi des données des élèves partis", "Allow sending the data of students who left"},
	"est.receive":   {"Autoriser la réception des données des nouveaux élèves", "Allow receiving the data of new students"},
	"est.transfers": {"Transferts", "Transfers"},
	"est.save":      {"Enregistrer", "Save"},
	"est.none":      {"Aucun établissement.", "No establishment."},

	// Establishment: dashboard (dashboard.html) and settings (establishment.html,
	// establishments.html).
	"est.dashboard":       {"%s", "%s"},
	"est.students":        {"Élèves", "Students"},
	"est.imports":         {"Imports SIECLE", "SIECLE imports"},
	"est.settings":        {"Réglages", "Settings"},
	"est.active":          {"Élèves présents", "Current students"},
	"est.left":            {"Élèves partis", "Students who left"},
	"est.pending":         {"Comptes non activés", "Accounts not activated"},
	"est.classes":         {"Classes", "Classes"},
	"est.class":           {"Classe", "Class"},
	"est.noclass":         {"(sans classe)", "(no class)"},
	"est.letters":         {"Courriers d’activation", "Activation letters"},
	"est.letters.print":   {"Imprimer les courriers d’activation", "Print the activation letters"},
	"est.letters.help":    {"Les courriers d’activation sont imprimés pour les élèves présents de la classe dont le compte n’est pas encore activé. Chaque courrier porte un nouveau lien d’activation\u00a0: ceux des courriers déjà imprimés cessent de fonctionner.", "Activation letters are printed for the class's current students whose account is not activated yet. Each letter carries a new activation link: the links of letters printed before stop working."},
	"est.last_imports":    {"Derniers imports", "Latest imports"},
	"est.transfers.help1": {"Quand un élève part dans un autre établissement, ses évaluations (résultats et commentaires) et ses situations professionnelles, avec leurs fichiers, le suivent dans son nouvel établissement si celui qu’il quitte autorise l’envoi et celui qui l’accueille la réception. Ces deux autorisations sont désactivées par défaut.", "When a student leaves for another establishment, their evaluations (results and comments) and their professional situations, with their files, follow them to the new establishment if the one they leave allows sending and the one they join allows receiving. Both are off by default."},
	"est.transfers.help2": {"Les données transférées sont supprimées de l’établissement d’origine\u00a0; dans le nouvel établissement, leur auteur devient «\u00a0ancien établissement\u00a0». Le compte de l’élève et son identité ne sont pas transférés, et rien ne l’est s’il change de diplôme.", "Transferred data is deleted from the establishment the student left; at the new one, its author becomes “ancien établissement” (former establishment). The student's account and identity are not transferred, and nothing is if they change diploma."},
	"est.transfers.help3": {"Un élève parti peut télécharger son passeport pendant trois mois. Six mois après son départ, tout ce que l’établissement garde de lui est supprimé, fichiers compris.", "A student who left can download their passport for three months. Six months after they left, everything the establishment still holds about them is deleted, files included."},
}
