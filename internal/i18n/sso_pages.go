package i18n

func init() { add("sso_pages", ssoPages) }

// ssoPages hold the messages of the single sign-on pages: the login page's buttons,
// the unknown-identity page, the account's linked identities and the administration
// of providers, allowed providers, policies and links (internal/web/sso*.go).
var ssoPages = map[string]Msg{
	"sso.login.title":    {"Avec votre ENT ou votre université", "With your school or university account"},
	"sso.login.intro":    {"Ou connectez-vous avec le compte de votre espace numérique de travail, si votre établissement l'a relié à cartable.", "Or log in with your digital workspace account, if your establishment linked it to cartable."},
	"sso.login.with":     {"Se connecter avec %s", "Log in with %s"},
	"sso.redirect.title": {"Vers votre fournisseur d'identité", "To your identity provider"},
	"sso.redirect.go":    {"Continuer vers la page de connexion", "Go on to the login page"},
	"sso.logout.title":   {"Déconnexion de votre fournisseur d'identité", "Logging out of your identity provider"},
	"sso.logout.go":      {"Continuer la déconnexion", "Go on logging out"},
	"sso.code.info":      {"%s vous a identifié. Votre établissement demande aussi votre code cartable.", "%s identified you. Your establishment also asks for your cartable code."},
	"sso.unknown.title":  {"Compte ENT non relié", "School account not linked"},
	"sso.unknown.intro":  {"Ce compte %s n'est relié à aucun compte cartable : cartable ne devine jamais à quel compte il correspond.", "This %s account is linked to no cartable account: cartable never guesses which account it belongs to."},
	"sso.unknown.how":    {"Voici comment faire", "Here is how to do it"},
	"sso.unknown.step1":  {"Connectez-vous une fois avec vos identifiants cartable (identifiant, mot de passe et code).", "Log in once with your cartable credentials (login, password and code)."},
	"sso.unknown.step2":  {"Sur la page « Mon compte », ouvrez « Comptes ENT reliés » puis choisissez « Relier mon compte %s ».", "On the “My account” page, open “Linked school accounts” and choose “Link my %s account”."},
	"sso.unknown.step3":  {"Ensuite, le bouton de votre ENT sur la page de connexion vous mènera directement à votre compte. Votre établissement peut aussi relier les comptes pour vous : demandez à son administrateur.", "The login page's button then takes you straight to your account. Your establishment can also link accounts for you: ask its administrator."},

	"sso.unknown.no_account": {"Vous n'avez pas encore de compte cartable ? Votre établissement vous remet un courrier avec un lien d'activation.", "No cartable account yet? Your establishment gives you a letter with an activation link."},
	"sso.unknown.login":      {"Se connecter avec cartable", "Log in with cartable"},

	"sso.account.title":        {"Comptes ENT reliés", "Linked school accounts"},
	"sso.account.link":         {"Comptes ENT reliés (connexion par l'ENT ou l'université)", "Linked school accounts (log in through your school or university)"},
	"sso.account.intro":        {"Un compte ENT relié vous permet de vous connecter à cartable par le bouton de votre ENT, selon les règles de votre établissement.", "A linked school account lets you log in to cartable with your school's button, as your establishment's rules allow."},
	"sso.account.linked_title": {"Comptes reliés", "Linked accounts"},
	"sso.account.none":         {"Aucun compte ENT n'est relié à votre compte.", "No school account is linked to yours."},
	"sso.account.since":        {"depuis le %s", "since %s"},
	"sso.account.last_used":    {"dernière connexion le %s", "last login %s"},
	"sso.account.unlink":       {"Retirer le lien", "Unlink"},
	"sso.account.link_title":   {"Relier un compte", "Link an account"},
	"sso.account.link_intro":   {"Vous allez vous identifier chez le fournisseur choisi ; au retour, son identité sera reliée à votre compte cartable.", "You will identify yourself at the chosen provider; back here, its identity will be linked to your cartable account."},
	"sso.account.link_with":    {"Relier mon compte %s", "Link my %s account"},
	"sso.account.linked":       {"Votre compte %s est relié : vous pouvez maintenant vous connecter avec lui.", "Your %s account is linked: you can now log in with it."},
	"sso.account.back":         {"Retour à mon compte", "Back to my account"},
	// A file of external identities (importer.Links).
	"links_csv_header":     {"Ligne {line} : il faut l'en-tête login,external_id ou ine,external_id.", "Line {line}: a heading login,external_id or ine,external_id is needed."},
	"links_csv_unreadable": {"Ligne {line} : ce n'est pas du CSV.", "Line {line}: this is not CSV."},
	"links_csv_fields":     {"Ligne {line} : il faut deux champs.", "Line {line}: two fields are needed."},
	"links_csv_unknown":    {"Ligne {line} : aucun compte de cet établissement n'a cet identifiant ({key}).", "Line {line}: no account of this establishment has this {key}."},

	"sso.origin.self":   {"relié par vous", "linked by you"},
	"sso.origin.admin":  {"relié par un administrateur", "linked by an administrator"},
	"sso.origin.import": {"relié par un import", "linked by an import"},
}
