package web

import (
	"fmt"
	"net/http"
)

// Languages of the interface: French first (the default), English second.
const (
	langFR = "fr"
	langEN = "en"
)

// msg is one message in both languages. Messages may hold fmt verbs.
type msg struct{ fr, en string }

// catalog holds every message of the interface. Keys are stable identifiers; error
// codes of the services (apperr codes) are keys too, so users read them in their language.
var catalog = map[string]msg{
	"app.name":           {"cartable", "cartable"},
	"app.tagline":        {"Le dossier scolaire qui suit l'élève", "The school record that follows the student"},
	"nav.skip":           {"Aller au contenu", "Skip to content"},
	"nav.home":           {"Accueil", "Home"},
	"nav.me":             {"Mon compte", "My account"},
	"nav.accounts":       {"Comptes", "Accounts"},
	"nav.establishments": {"Établissements", "Establishments"},
	"nav.audit":          {"Journal d'audit", "Audit trail"},
	"nav.login":          {"Se connecter", "Log in"},
	"nav.logout":         {"Se déconnecter", "Log out"},
	"nav.lang":           {"English", "Français"},
	"nav.main":           {"Navigation principale", "Main navigation"},

	"login.title":         {"Connexion", "Log in"},
	"login.intro":         {"Saisissez votre identifiant et votre mot de passe. Le code de votre application d'authentification vous sera demandé ensuite.", "Enter your login and password. You will then be asked for the code from your authenticator app."},
	"login.login":         {"Identifiant", "Login"},
	"login.password":      {"Mot de passe", "Password"},
	"login.next":          {"Continuer", "Continue"},
	"login.code.title":    {"Code de vérification", "Verification code"},
	"login.code.intro":    {"Saisissez le code à 6 chiffres affiché par votre application d'authentification.", "Enter the 6-digit code shown by your authenticator app."},
	"login.code":          {"Code à 6 chiffres", "6-digit code"},
	"login.code.hint":     {"Le code change toutes les 30 secondes.", "The code changes every 30 seconds."},
	"login.recovery":      {"Utiliser plutôt un code de secours", "Use a recovery code instead"},
	"login.recovery.code": {"Code de secours", "Recovery code"},
	"login.submit":        {"Se connecter", "Log in"},
	"login.restart":       {"Recommencer", "Start again"},
	"login.renew":         {"Renouveler mes identifiants", "Renew my credentials"},
	"login.signup":        {"Créer un compte", "Create an account"},
	"login.nolink":        {"Vous n'avez pas encore de compte ? Votre établissement vous remet un courrier avec un lien d'activation.", "No account yet? Your establishment gives you a letter with an activation link."},

	"enrol.title":         {"Activer votre compte", "Activate your account"},
	"enrol.landing":       {"Ce lien permet à %s d'obtenir son mot de passe et son code d'authentification. Il ne s'ouvre qu'une seule fois : assurez-vous d'être seul devant l'écran et d'avoir votre téléphone à portée de main.", "This link gives %s a password and an authentication code. It opens only once: make sure you are alone in front of the screen and have your phone at hand."},
	"enrol.valid_until":   {"Lien valable jusqu'au %s.", "Link valid until %s."},
	"enrol.reveal":        {"Afficher mes identifiants", "Show my credentials"},
	"enrol.once":          {"Ces informations ne seront plus jamais affichées. Enregistrez-les maintenant.", "These details will never be shown again. Save them now."},
	"enrol.step1":         {"1. Votre mot de passe", "1. Your password"},
	"enrol.step1.help":    {"Scannez ce code avec votre gestionnaire de mots de passe, ou affichez-le pour le copier.", "Scan this code with your password manager, or show it to copy it."},
	"enrol.password.qr":   {"QR code contenant votre mot de passe", "QR code holding your password"},
	"enrol.password.show": {"Afficher le mot de passe en clair", "Show the password as text"},
	"enrol.step2":         {"2. Votre application d'authentification", "2. Your authenticator app"},
	"enrol.step2.help":    {"Installez une application comme Google Authenticator, FreeOTP ou Aegis, puis scannez ce code.", "Install an app such as Google Authenticator, FreeOTP or Aegis, then scan this code."},
	"enrol.totp.qr":       {"QR code à scanner avec votre application d'authentification", "QR code to scan with your authenticator app"},
	"enrol.totp.manual":   {"Saisie manuelle de la clé", "Enter the key by hand"},
	"enrol.totp.secret":   {"Clé secrète (type : basée sur l'heure, 6 chiffres, 30 secondes)", "Secret key (time-based, 6 digits, 30 seconds)"},
	"enrol.step3":         {"3. Vos codes de secours", "3. Your recovery codes"},
	"enrol.step3.help":    {"Chaque code remplace une fois le code de l'application, si vous perdez votre téléphone. Imprimez-les ou notez-les en lieu sûr.", "Each code replaces the app's code once, if you lose your phone. Print them or write them down somewhere safe."},
	"enrol.step4":         {"4. Activez votre compte", "4. Activate your account"},
	"enrol.step4.help":    {"Saisissez votre mot de passe et le code affiché par l'application. Activation possible jusqu'au %s.", "Enter your password and the code shown by the app. Activation possible until %s."},
	"activate.submit":     {"Activer mon compte", "Activate my account"},
	"activate.done.title": {"Compte activé", "Account activated"},
	"activate.done":       {"Votre compte %s est actif jusqu'au %s. Vous pouvez maintenant vous connecter.", "Your account %s is active until %s. You can now log in."},

	"renew.title":       {"Renouveler mes identifiants", "Renew my credentials"},
	"renew.intro":       {"Tous les six mois, votre mot de passe et votre code d'authentification sont remplacés. Prouvez votre identité avec les actuels pour recevoir un nouveau lien d'activation.", "Every six months, your password and authentication code are replaced. Prove who you are with the current ones to get a new activation link."},
	"renew.submit":      {"Obtenir un nouveau lien", "Get a new link"},
	"renew.done":        {"Vos anciens identifiants ne fonctionnent plus. Ouvrez ce lien maintenant pour recevoir les nouveaux (il ne s'ouvre qu'une fois) :", "Your old credentials no longer work. Open this link now to receive the new ones (it opens only once):"},
	"renew.open":        {"Ouvrir le lien d'activation", "Open the activation link"},
	"signup.title":      {"Créer un compte", "Create an account"},
	"signup.intro":      {"Choisissez un identifiant. Un mot de passe et un code d'authentification vous seront donnés à l'étape suivante.", "Choose a login. A password and an authentication code will be given to you at the next step."},
	"signup.name":       {"Nom affiché", "Display name"},
	"signup.submit":     {"Créer mon compte", "Create my account"},
	"signup.login.hint": {"2 à 64 caractères : lettres minuscules, chiffres, point, tiret, @.", "2 to 64 characters: lower-case letters, digits, dot, dash, @."},

	"me.title":           {"Mon compte", "My account"},
	"me.login":           {"Identifiant", "Login"},
	"me.roles":           {"Rôles", "Roles"},
	"me.expires":         {"Identifiants valables jusqu'au", "Credentials valid until"},
	"me.expires_in":      {"Vos identifiants expirent dans %d jours.", "Your credentials expire in %d days."},
	"me.expires_today":   {"Vos identifiants expirent aujourd'hui.", "Your credentials expire today."},
	"me.renew_now":       {"Les renouveler maintenant", "Renew them now"},
	"me.recovery_left":   {"Codes de secours restants", "Recovery codes left"},
	"me.sessions":        {"Sessions ouvertes", "Open sessions"},
	"me.session.kind":    {"Type", "Kind"},
	"me.session.since":   {"Ouverte le", "Opened"},
	"me.session.seen":    {"Dernière activité", "Last activity"},
	"me.session.ip":      {"Adresse", "Address"},
	"me.session.current": {"(cette session)", "(this session)"},
	"me.session.revoke":  {"Fermer", "Close"},
	"kind.web":           {"Navigateur", "Browser"},
	"kind.api":           {"API", "API"},
	"kind.personal":      {"Jeton personnel", "Personal token"},

	"role.platform-admin": {"Administrateur de la plateforme", "Platform administrator"},
	"role.admin":          {"Administrateur d'établissement", "Establishment administrator"},
	"role.teacher":        {"Enseignant", "Teacher"},
	"role.inspector":      {"Inspecteur", "Inspector"},
	"role.student":        {"Élève", "Student"},
	"role.parent":         {"Parent", "Parent"},

	"state.pending":  {"En attente d'activation", "Awaiting activation"},
	"state.active":   {"Actif", "Active"},
	"state.expired":  {"Expiré", "Expired"},
	"state.locked":   {"Verrouillé", "Locked"},
	"state.disabled": {"Désactivé", "Disabled"},
	"state.all":      {"Tous", "All"},

	"accounts.title":         {"Comptes", "Accounts"},
	"accounts.new":           {"Créer un compte", "Create an account"},
	"accounts.filter":        {"Filtrer", "Filter"},
	"accounts.search":        {"Rechercher (identifiant ou nom)", "Search (login or name)"},
	"accounts.state":         {"État", "State"},
	"accounts.expiring":      {"Expirant dans (jours)", "Expiring within (days)"},
	"accounts.establishment": {"Établissement", "Establishment"},
	"accounts.none":          {"Aucun compte ne correspond.", "No account matches."},
	"accounts.login":         {"Identifiant", "Login"},
	"accounts.name":          {"Nom", "Name"},
	"accounts.roles":         {"Rôles", "Roles"},
	"accounts.expires":       {"Expiration", "Expiry"},
	"accounts.failures":      {"Échecs", "Failures"},
	"accounts.select":        {"Sélectionner %s", "Select %s"},
	"accounts.letters":       {"Imprimer les courriers d'activation (PDF)", "Print activation letters (PDF)"},
	"accounts.letters.help":  {"Un nouveau lien est créé pour chaque compte en attente sélectionné ; les liens précédents cessent de fonctionner.", "A new link is created for each selected pending account; earlier links stop working."},
	"accounts.role":          {"Rôle", "Role"},
	"accounts.uai":           {"UAI de l'établissement", "Establishment UAI"},
	"accounts.create":        {"Créer", "Create"},
	"accounts.created":       {"Compte %s créé. Remettez-lui ce lien (ou imprimez son courrier) :", "Account %s created. Give them this link (or print their letter):"},
	"accounts.link.qr":       {"QR code du lien d'activation", "QR code of the activation link"},
	"accounts.letter":        {"Imprimer son courrier (PDF)", "Print their letter (PDF)"},
	"account.title":          {"Compte %s", "Account %s"},
	"account.reissue":        {"Nouveau lien d'activation", "New activation link"},
	"account.reissue.help":   {"Les identifiants, sessions et liens actuels cessent immédiatement de fonctionner.", "Current credentials, sessions and links stop working at once."},
	"account.unlock":         {"Déverrouiller", "Unlock"},
	"account.expire":         {"Faire expirer maintenant", "Expire now"},
	"account.disable":        {"Désactiver", "Disable"},
	"account.reissued":       {"Nouveau lien pour %s :", "New link for %s:"},
	"account.done":           {"C'est fait.", "Done."},
	"account.created_at":     {"Créé le", "Created"},
	"account.activated_at":   {"Activé le", "Activated"},
	"account.last_login":     {"Dernière connexion", "Last login"},
	"account.locked_until":   {"Verrouillé jusqu'au", "Locked until"},
	"account.hard_locked":    {"Verrouillé définitivement (100 échecs) : seul un administrateur peut le déverrouiller.", "Hard-locked (100 failures): only an administrator can unlock it."},

	// An account an establishment administrator may see but not manage (account.ReadOnly*).
	"account.read_only.other_establishment": {"Ce compte a aussi des rôles dans un autre établissement : seul un administrateur de la plateforme (ou de tous ses établissements) peut lui donner un nouveau lien, le déverrouiller, le faire expirer ou le désactiver. Seuls ses rôles et son historique dans vos établissements sont affichés.", "This account also has roles in another establishment: only a platform administrator (or an administrator of all its establishments) can give it a new link, unlock, expire or disable it. Only its roles and history in your establishments are shown."},
	"account.read_only.platform_role":       {"Ce compte a un rôle que seul un administrateur de la plateforme peut donner (inspecteur, administrateur de la plateforme) : seul un administrateur de la plateforme peut lui donner un nouveau lien, le déverrouiller, le faire expirer ou le désactiver.", "This account has a role only a platform administrator can give (inspector, platform administrator): only a platform administrator can give it a new link, unlock, expire or disable it."},
	"account_other_establishment":           {"Ce compte a aussi des rôles dans un autre établissement : seul un administrateur de la plateforme (ou de tous ses établissements) peut lui donner un nouveau lien, le déverrouiller, le faire expirer ou le désactiver.", "This account also has roles in another establishment: only a platform administrator (or an administrator of all its establishments) can give it a new link, unlock, expire or disable it."},
	"account_platform_role":                 {"Ce compte a un rôle que seul un administrateur de la plateforme peut donner (inspecteur, administrateur de la plateforme) : seul un administrateur de la plateforme peut lui donner un nouveau lien, le déverrouiller, le faire expirer ou le désactiver.", "This account has a role only a platform administrator can give (inspector, platform administrator): only a platform administrator can give it a new link, unlock, expire or disable it."},

	"est.title":     {"Établissements", "Establishments"},
	"est.uai":       {"UAI", "UAI"},
	"est.name":      {"Nom", "Name"},
	"est.academie":  {"Académie", "Académie"},
	"est.kind":      {"Type", "Kind"},
	"est.create":    {"Ajouter un établissement", "Add an establishment"},
	"est.send":      {"Autoriser l'envoi des données des élèves partis", "Allow sending the data of students who left"},
	"est.receive":   {"Autoriser la réception des données des nouveaux élèves", "Allow receiving the data of new students"},
	"est.transfers": {"Transferts", "Transfers"},
	"est.save":      {"Enregistrer", "Save"},
	"est.none":      {"Aucun établissement.", "No establishment."},

	"audit.title":   {"Journal d'audit", "Audit trail"},
	"audit.at":      {"Date", "Date"},
	"audit.action":  {"Action", "Action"},
	"audit.outcome": {"Résultat", "Outcome"},
	"audit.actor":   {"Auteur", "Actor"},
	"audit.target":  {"Compte", "Account"},
	"audit.ip":      {"Adresse", "Address"},
	"audit.detail":  {"Détail", "Detail"},
	"audit.older":   {"Plus anciens", "Older"},

	"home.title":     {"Bienvenue, %s", "Welcome, %s"},
	"yes":            {"oui", "yes"},
	"no":             {"non", "no"},
	"error.title":    {"Erreur", "Error"},
	"error.back":     {"Retour à l'accueil", "Back to home"},
	"error.csrf":     {"Le formulaire a expiré ou ne vient pas de cartable. Rechargez la page et recommencez.", "The form expired or did not come from cartable. Reload the page and try again."},
	"too_long":       {"Texte trop long :", "Text too long:"},
	"error.notfound": {"Cette page n'existe pas.", "This page does not exist."},

	// Error codes of the services.
	"invalid_credentials":     {"Identifiant, mot de passe ou code incorrect.", "Incorrect login, password or code."},
	"credentials_expired":     {"Vos identifiants ont expiré. Vous pouvez les renouveler avec vos identifiants actuels pendant 30 jours après l'expiration.", "Your credentials have expired. You can renew them with your current ones for 30 days after expiry."},
	"renewal_closed":          {"La période de renouvellement est terminée : demandez un nouveau courrier d'activation à votre établissement.", "The renewal period is over: ask your establishment for a new activation letter."},
	"renewal_not_needed":      {"Vos identifiants sont encore valables : le renouvellement ouvre 30 jours avant leur expiration.", "Your credentials are still valid: renewal opens 30 days before they expire."},
	"not_activated":           {"Ce compte n'est pas encore activé : utilisez la page ouverte par votre lien d'activation.", "This account is not activated yet: use the page opened by your activation link."},
	"too_many_attempts":       {"Trop de tentatives depuis votre adresse. Réessayez dans quelques instants.", "Too many attempts from your address. Try again in a moment."},
	"overloaded":              {"Le service est très sollicité. Réessayez dans un instant.", "The service is very busy. Try again in a moment."},
	"enrollment_used":         {"Ce lien d'activation a déjà été ouvert : il ne fonctionne qu'une fois. Demandez un nouveau courrier à votre établissement.", "This activation link has already been opened: it works only once. Ask your establishment for a new letter."},
	"enrollment_expired":      {"Ce lien d'activation a expiré. Demandez un nouveau courrier à votre établissement.", "This activation link has expired. Ask your establishment for a new letter."},
	"enrollment_not_found":    {"Ce lien d'activation n'existe pas : vérifiez qu'il a été recopié en entier.", "This activation link does not exist: check that it was copied in full."},
	"already_active":          {"Ce compte est déjà actif : connectez-vous.", "This account is already active: log in."},
	"login_expired":           {"La connexion a pris trop de temps : recommencez.", "The login took too long: start again."},
	"login_taken":             {"Cet identifiant est déjà pris.", "This login is already taken."},
	"invalid_login":           {"Identifiant invalide : 2 à 64 caractères parmi a-z 0-9 . _ @ -", "Invalid login: 2 to 64 characters among a-z 0-9 . _ @ -"},
	"signup_disabled":         {"La création de compte n'est pas ouverte sur ce service.", "Self sign-up is not enabled on this service."},
	"unauthenticated":         {"Vous n'êtes pas connecté ou votre session a expiré.", "You are not logged in or your session has expired."},
	"forbidden":               {"Vous n'avez pas le droit de faire cela.", "You are not allowed to do this."},
	"account_not_found":       {"Ce compte n'existe pas.", "No such account."},
	"establishment_not_found": {"Cet établissement n'existe pas.", "No such establishment."},
	"internal":                {"Une erreur interne s'est produite. Elle a été enregistrée ; réessayez plus tard.", "An internal error occurred. It was logged; try again later."},
	"no_pending_selected":     {"Sélectionnez au moins un compte en attente d'activation.", "Select at least one account awaiting activation."},
}

// T translates key into lang, formatting args into it.
func T(lang, key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	s := m.fr
	if lang == langEN {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// hasMessage reports whether the catalog translates key.
func hasMessage(key string) bool {
	_, ok := catalog[key]
	return ok
}

// language picks the interface language: the one the user chose (the lang cookie set by
// the language link), else French — the interface's language, whatever the browser's
// settings, since French-speaking schools' devices are often set up in English.
func language(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && (c.Value == langFR || c.Value == langEN) {
		return c.Value
	}
	return langFR
}
