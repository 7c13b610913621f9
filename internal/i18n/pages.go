package i18n

func init() { add("pages", pages) }

// pages holds the messages of the layout, the navigation, the home and error pages and the audit trail (layout.html, home.html, error.html, audit.html).
var pages = map[string]Msg{
	"app.name":           {"cartable", "cartable"},
	"app.tagline":        {"Le dossier scolaire qui suit l’élève", "The school record that follows the student"},
	"nav.skip":           {"Aller au contenu", "Skip to content"},
	"nav.home":           {"Accueil", "Home"},
	"nav.me":             {"Mon compte", "My account"},
	"nav.accounts":       {"Comptes", "Accounts"},
	"nav.establishments": {"Établissements", "Establishments"},
	"nav.audit":          {"Journal d’audit", "Audit trail"},
	"nav.login":          {"Se connecter", "Log in"},
	"nav.logout":         {"Se déconnecter", "Log out"},
	"nav.lang":           {"English", "Français"},
	"nav.main":           {"Navigation principale", "Main navigation"},

	"audit.title":   {"Journal d’audit", "Audit trail"},
	"audit.at":      {"Date", "Date"},
	"audit.action":  {"Action", "Action"},
	"audit.outcome": {"Résultat", "Outcome"},
	"audit.actor":   {"Auteur", "Actor"},
	"audit.target":  {"Compte", "Account"},
	"audit.ip":      {"Adresse", "Address"},
	"audit.detail":  {"Détail", "Detail"},
	"audit.older":   {"Plus anciens", "Older"},

	"home.title":  {"Bienvenue, %s", "Welcome, %s"},
	"yes":         {"oui", "yes"},
	"no":          {"non", "no"},
	"error.title": {"Erreur", "Error"},
	"error.back":  {"Retour à l’accueil", "Back to home"},
}
