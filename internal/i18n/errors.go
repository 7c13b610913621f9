package i18n

import "github.com/cartable/cartable/internal/apperr"

func init() {
	add("errors", errorMessages)
	add("errors", fieldLabels)
}

// errorMessages hold the messages of the errors the services return (apperr codes),
// by code, and by Key where a code has several explanations. Their named parameters
// are the error's Params.
var errorMessages = map[string]Msg{
	// Accounts, sessions and sign-in.
	"invalid_credentials":     {"Identifiant, mot de passe ou code incorrect.", "Incorrect login, password or code."},
	"credentials_expired":     {"Vos identifiants ont expiré. Vous pouvez les renouveler avec vos identifiants actuels pendant 30 jours après l’expiration.", "Your credentials have expired. You can renew them with your current ones for 30 days after expiry."},
	"renewal_closed":          {"La période de renouvellement est terminée\u00a0: demandez un nouveau courrier d’activation à votre établissement.", "The renewal period is over: ask your establishment for a new activation letter."},
	"renewal_not_needed":      {"Vos identifiants sont encore valables\u00a0: le renouvellement ouvre 30 jours avant leur expiration.", "Your credentials are still valid: renewal opens 30 days before they expire."},
	"not_activated":           {"Ce compte n’est pas encore activé\u00a0: utilisez la page ouverte par votre lien d’activation.", "This account is not activated yet: use the page opened by your activation link."},
	"too_many_attempts":       {"Trop de tentatives depuis votre adresse. Réessayez dans quelques instants.", "Too many attempts from your address. Try again in a moment."},
	"overloaded":              {"Le service est très sollicité. Réessayez dans un instant.", "The service is very busy. Try again in a moment."},
	"enrollment_used":         {"Ce lien d’activation a déjà été ouvert\u00a0: il ne fonctionne qu’une fois. Demandez un nouveau courrier d’activation à votre établissement.", "This activation link has already been opened: it works only once. Ask your establishment for a new activation letter."},
	"enrollment_expired":      {"Ce lien d’activation a expiré. Demandez un nouveau courrier d’activation à votre établissement.", "This activation link has expired. Ask your establishment for a new activation letter."},
	"enrollment_not_found":    {"Ce lien d’activation n’existe pas\u00a0: vérifiez qu’il a été recopié en entier.", "This activation link does not exist: check that it was copied in full."},
	"already_active":          {"Ce compte est déjà actif\u00a0: connectez-vous.", "This account is already active: log in."},
	"login_expired":           {"La connexion a pris trop de temps\u00a0: recommencez.", "The login took too long: start again."},
	"login_taken":             {"Cet identifiant est déjà pris.", "This login is already taken."},
	"invalid_login":           {"Identifiant invalide\u00a0: 2 à 64 caractères parmi a-z 0-9 . _ @ -", "Invalid login: 2 to 64 characters among a-z 0-9 . _ @ -"},
	"signup_disabled":         {"La création de compte n’est pas ouverte sur ce service.", "Self sign-up is not enabled on this service."},
	"unauthenticated":         {"Vous n’êtes pas connecté ou votre session a expiré.", "You are not logged in or your session has expired."},
	"forbidden":               {"Vous n’avez pas le droit de faire cela.", "You are not allowed to do this."},
	"account_not_found":       {"Ce compte n’existe pas.", "No such account."},
	"establishment_not_found": {"Cet établissement n’existe pas.", "No such establishment."},
	"internal":                {"Une erreur interne s’est produite. Elle a été enregistrée\u00a0; réessayez plus tard.", "An internal error occurred. It was logged; try again later."},
	"no_pending_selected":     {"Sélectionnez au moins un compte en attente d’activation.", "Select at least one account awaiting activation."},

	// Records. {detail} is the error's own message: for a file, what its parser says
	// (in French for the French formats: SIECLE, the CSV grids and referentials).
	"invalid_file":                    {"Fichier refusé, rien n’a été enregistré\u00a0: {detail}", "File rejected, nothing was saved: {detail}"},
	"invalid_file.no_params":          {"Fichier refusé, rien n’a été enregistré\u00a0: il n’a pas de PARAMETRES/UAJ, ce n’est pas un export SIECLE complet des élèves.", "File rejected, nothing was saved: it has no PARAMETRES/UAJ, it is not a complete SIECLE student export."},
	"other_establishment":             {"Import refusé\u00a0: {detail}", "Import rejected: {detail}"},
	"other_establishment.uai":         {"Import refusé\u00a0: fichier d’un autre établissement\u00a0: ce fichier est l’export SIECLE de l’établissement {file}, or vous importez pour l’établissement {want}", "Import rejected: a file of another establishment: this file is the SIECLE export of the establishment {file}, but you are importing for the establishment {want}"},
	"invalid_uai":                     {"UAI refusé\u00a0: {detail}", "UAI rejected: {detail}"},
	"invalid_referential":             {"Référentiel refusé, rien n’a été enregistré\u00a0: {detail}", "Referential rejected, nothing was saved: {detail}"},
	"competency_in_use":               {"Ces compétences ont des résultats, elles ne peuvent pas être retirées du référentiel\u00a0: {codes}.", "These competencies have results, they cannot be removed from the referential: {codes}."},
	"invalid_results":                 {"Résultats refusés, rien n’a été enregistré\u00a0: {detail}", "Results rejected, nothing was saved: {detail}"},
	"invalid_results.competency":      {"Résultats refusés, rien n’a été enregistré\u00a0: la compétence {competency} n’est pas dans le référentiel {referential}.", "Results rejected, nothing was saved: the competency {competency} is not in the referential {referential}."},
	"invalid_results.value":           {"Résultats refusés, rien n’a été enregistré\u00a0: la valeur {value} n’est pas sur l’échelle du référentiel {referential} ({scale}).", "Results rejected, nothing was saved: the value {value} is not on the scale of the referential {referential} ({scale})."},
	"invalid_results.students":        {"Résultats refusés, rien n’a été enregistré\u00a0: ces élèves ne sont pas de l’établissement {uai} ({students}).", "Results rejected, nothing was saved: these students are not students of {uai} ({students})."},
	"invalid_situation":               {"Situation refusée\u00a0: donnez-lui un intitulé ou une description.", "Situation rejected: give it a title or a description."},
	"invalid_archive.directory":       {"Archive ZIP refusée, rien n’a été enregistré\u00a0: la liste des fichiers de {file} dépasse {max} Kio.", "ZIP archive rejected, nothing was saved: the list of files of {file} is larger than {max} KiB."},
	"invalid_archive.unreadable":      {"Archive ZIP refusée, rien n’a été enregistré\u00a0: {file} n’est pas une archive ZIP lisible.", "ZIP archive rejected, nothing was saved: {file} is not a readable ZIP archive."},
	"invalid_archive.entries":         {"Archive ZIP refusée, rien n’a été enregistré\u00a0: {file} contient plus de {max} fichiers.", "ZIP archive rejected, nothing was saved: {file} holds more than {max} files."},
	"invalid_archive.entry_unnamed":   {"Archive ZIP refusée, rien n’a été enregistré\u00a0: un fichier de {file} n’a pas de nom.", "ZIP archive rejected, nothing was saved: a file of {file} has no name."},
	"invalid_archive.entry_control":   {"Archive ZIP refusée, rien n’a été enregistré\u00a0: le nom d’un fichier de {file} contient un caractère de contrôle.", "ZIP archive rejected, nothing was saved: the name of a file of {file} has a control character."},
	"invalid_archive.entry_backslash": {"Archive ZIP refusée, rien n’a été enregistré\u00a0: le nom du fichier «\u00a0{entry}\u00a0» de {file} contient des barres obliques inverses, que les outils de Windows lisent comme des dossiers.", "ZIP archive rejected, nothing was saved: the name of the file “{entry}” of {file} has backslashes, which Windows tools read as folders."},
	"invalid_archive.entry_absolute":  {"Archive ZIP refusée, rien n’a été enregistré\u00a0: le fichier «\u00a0{entry}\u00a0» de {file} a un chemin absolu.", "ZIP archive rejected, nothing was saved: the file “{entry}” of {file} has an absolute path."},
	"invalid_archive.entry_drive":     {"Archive ZIP refusée, rien n’a été enregistré\u00a0: le fichier «\u00a0{entry}\u00a0» de {file} nomme un lecteur.", "ZIP archive rejected, nothing was saved: the file “{entry}” of {file} names a drive."},
	"invalid_archive.entry_symlink":   {"Archive ZIP refusée, rien n’a été enregistré\u00a0: le fichier «\u00a0{entry}\u00a0» de {file} est un lien symbolique.", "ZIP archive rejected, nothing was saved: the file “{entry}” of {file} is a symbolic link."},
	"invalid_archive.entry_parent":    {"Archive ZIP refusée, rien n’a été enregistré\u00a0: le fichier «\u00a0{entry}\u00a0» de {file} sort de son dossier (..).", "ZIP archive rejected, nothing was saved: the file “{entry}” of {file} leaves its folder (..)."},
	"no_file":                         {"Choisissez un fichier.", "Choose a file."},
	"empty_file":                      {"Le fichier est vide.", "The file is empty."},
	"unnamed_person":                  {"Un élève sans nom ni prénom ne peut pas recevoir de compte.", "A student without last and first name cannot get an account."},
	"too_large":                       {"Le fichier dépasse la taille autorisée.", "The file is larger than allowed."},
	"bad_upload":                      {"L’envoi du fichier a été interrompu\u00a0: réessayez.", "The upload was interrupted: try again."},
	"too_many":                        {"Trop d’éléments en une fois\u00a0: {field}, plus de {max}.", "Too many items at once: {field}, more than {max}."},
	"invalid_archive":                 {"Archive ZIP refusée, rien n’a été enregistré\u00a0: {detail}", "ZIP archive rejected, nothing was saved: {detail}"},
	"unsupported_file":                {"Seuls les fichiers PDF, ZIP et les photos JPEG ou PNG sont acceptés (c’est leur contenu qui est vérifié, pas leur nom).", "Only PDF and ZIP files and JPEG or PNG photos are accepted (their content is checked, not their name)."},
	"student_not_found":               {"Cet élève n’existe pas.", "No such student."},
	"import_not_found":                {"Cet import n’existe pas.", "No such import."},
	"evaluation_not_found":            {"Cette évaluation n’existe pas.", "No such evaluation."},
	"referential_not_found":           {"Ce référentiel n’existe pas.", "No such referential."},
	"situation_not_found":             {"Cette situation professionnelle n’existe pas.", "No such professional situation."},
	"attachment_not_found":            {"Ce fichier n’existe pas.", "No such file."},
	"session_not_found":               {"Cette session n’existe plus.", "This session no longer exists."},
	"invalid_status":                  {"Statut inconnu\u00a0: choisissez présent ou parti.", "Unknown status: choose current or left."},
	"invalid_nouvel_eleve":            {"Valeur de nouvelEleve inconnue.", "Unknown nouvelEleve value."},
	"invalid_title":                   {"Donnez un intitulé à l’évaluation (200 caractères au plus).", "Give the evaluation a title (200 characters at most)."},
	"invalid_date":                    {"Date non valide\u00a0: utilisez le format AAAA-MM-JJ.", "Invalid date: use the YYYY-MM-DD format."},
	"invalid_diploma":                 {"Choisissez un diplôme dans la liste.", "Choose a diploma from the list."},
	"invalid_level":                   {"Choisissez le niveau\u00a0: BAC, BEP ou CAP.", "Choose the level: BAC, BEP or CAP."},
	"invalid_assessment":              {"Chaque champ de l’évaluation est limité à 5 000 caractères.", "Each field of the assessment is limited to 5,000 characters."},
	"invalid_list":                    {"Cette liste n’existe pas (done, pending ou impossible).", "No such list (done, pending or impossible)."},
	"no_pending_in_class":             {"Aucun élève présent de cette classe n’a de compte en attente d’activation.", "No current student of this class has an account awaiting activation."},
	"letter_empty":                    {"Aucun courrier d’activation à imprimer.", "No activation letter to print."},
	"passport_only":                   {"Votre établissement a désactivé votre compte\u00a0: vous pouvez seulement télécharger votre passeport.", "Your establishment deactivated your account: you can only download your passport."},
	"access_ended":                    {"Votre établissement a désactivé votre compte et les trois mois pendant lesquels vous pouviez télécharger vos données sont écoulés. Adressez-vous à l’établissement si vous avez besoin de votre dossier.", "Your establishment deactivated your account and the three months during which you could download your data are over. Ask the establishment if you need your records."},
	"invalid_expiring":                {"Indiquez un nombre de jours (0 ou plus).", "Enter a number of days (0 or more)."},
	"invalid_form":                    {"Le formulaire est illisible\u00a0: rechargez la page et recommencez.", "The form could not be read: reload the page and try again."},
	"invalid_option":                  {"Option de la commande invalide.", "Invalid command option."},
	"invalid_state":                   {"État de compte inconnu.", "Unknown account state."},
	"invalid_role":                    {"Rôle inconnu.", "Unknown role."},
	"invalid_name":                    {"Indiquez le nom de l’établissement.", "Enter the establishment's name."},
	"invalid_sector":                  {"Secteur «\u00a0{value}\u00a0» inconnu\u00a0: secondaire (secondary) ou supérieur (higher).", "Unknown sector \"{value}\": secondary or higher."},
	"uai_taken":                       {"Un établissement porte déjà cet UAI.", "An establishment with this UAI already exists."},
	"establishment_required":          {"Choisissez l’un de vos établissements.", "Choose one of your establishments."},
	"not_active":                      {"Seul un compte actif peut être expiré.", "Only an active account can be expired."},
	"account_disabled":                {"Ce compte est désactivé.", "This account is disabled."},

	"account_other_establishment": {"Ce compte a aussi des rôles dans un autre établissement\u00a0: seul un administrateur de la plateforme (ou de tous ses établissements) peut lui donner un nouveau lien, le déverrouiller, le faire expirer ou le désactiver.", "This account also has roles in another establishment: only a platform administrator (or an administrator of all its establishments) can give it a new link, unlock, expire or disable it."},
	"account_platform_role":       {"Ce compte a un rôle que seul un administrateur de la plateforme peut donner (inspecteur, administrateur de la plateforme)\u00a0: seul un administrateur de la plateforme peut lui donner un nouveau lien, le déverrouiller, le faire expirer ou le désactiver.", "This account has a role only a platform administrator can give (inspector, platform administrator): only a platform administrator can give it a new link, unlock, expire or disable it."},

	// Any request.
	"csrf":      {"Le formulaire a expiré ou ne vient pas de cartable. Rechargez la page et recommencez.", "The form expired or did not come from cartable. Reload the page and try again."},
	"not_found": {"Cette page n’existe pas.", "This page does not exist."},
	"too_long":  {"Texte trop long\u00a0: {field}, plus de {max} caractères.", "Text too long: {field}, more than {max} characters."},

	// The API's own (the pages never send these requests; a client may show them).
	"invalid_json":           {"Requête refusée\u00a0: {detail}", "Request rejected: {detail}"},
	"invalid_request":        {"Requête incomplète\u00a0: identifiant, mot de passe et code (ou code de secours) sont nécessaires.", "Incomplete request: login, password and code (or recovery code) are required."},
	"unsupported_media_type": {"Envoyez du JSON (Content-Type: application/json).", "Send JSON (Content-Type: application/json)."},
	"invalid_student":        {"Indiquez l’élève parti de cet établissement (student_id).", "Give the student who left this establishment (student_id)."},
	"job_not_found":          {"Cette tâche n’existe pas.", "No such job."},
	"job_running":            {"Cette tâche est déjà en cours sur une autre instance.", "This job is already running on another instance."},
}

// fieldLabels name the fields that errors name (apperr.TooLong, TooManyItems, the
// parameter {field}) as the pages label them; a field without label is shown by its
// name.
var fieldLabels = map[string]Msg{
	"field.title":        {"Intitulé", "Title"},
	"field.description":  {"Description", "Description"},
	"field.context":      {"Contexte", "Context"},
	"field.period":       {"Période", "Period"},
	"field.company":      {"Entreprise", "Company"},
	"field.comment":      {"Commentaire", "Comment"},
	"field.evaluator":    {"Évaluateur", "Evaluator"},
	"field.result":       {"Résultat", "Result"},
	"field.level":        {"Niveau", "Level"},
	"field.name":         {"Nom", "Name"},
	"field.academie":     {"Académie", "Académie"},
	"field.kind":         {"Type", "Kind"},
	"field.class":        {"Classe", "Class"},
	"field.date":         {"Date", "Date"},
	"field.diploma":      {"Diplôme", "Diploma"},
	"field.login":        {"Identifiant", "Login"},
	"field.display_name": {"Nom affiché", "Display name"},
	"field.first_name":   {"Prénom", "First name"},
	"field.last_name":    {"Nom", "Last name"},
	"field.token_name":   {"Nom du jeton", "Token name"},
	"field.code":         {"Code", "Code"},
	"field.label":        {"Libellé", "Label"},
	"field.proof":        {"Preuve attendue", "Expected proof"},
	"field.reason":       {"Motif", "Reason"},
	"field.threshold":    {"Seuil", "Threshold"},
	"field.value":        {"Valeur", "Value"},
	"field.rules":        {"Règles", "Rules"},
	"field.q":            {"Recherche", "Search"},
	"field.competencies": {"Compétences mobilisées", "Competencies involved"},
	"field.results":      {"Résultats", "Results"},
	"field.comments":     {"Commentaires", "Comments"},
}

// Error writes err for a reader of lang: the catalogue's message of its Key, or else
// of its code, with its Params. The parameter {detail} is the error's own Message
// unless Params gives one; {field} is shown by its label. An error the catalogue has
// no message for shows its own Message.
func Error(lang string, err error) string {
	e := apperr.As(err)
	m, ok := catalogue[e.Key]
	if !ok {
		if m, ok = catalogue[e.Code]; !ok {
			return e.Message
		}
	}
	args := Args{"detail": e.Message}
	for k, v := range e.Params {
		args[k] = v
	}
	if f, ok := args["field"].(string); ok {
		args["field"] = Field(f)
	}
	return Expand(lang, m.In(lang), args)
}

// Field is the name of a form or JSON field, written as the pages label it.
type Field string

// Text returns the field's label in lang, or its name when it has none.
func (f Field) Text(lang string) string {
	if m, ok := catalogue["field."+string(f)]; ok {
		return m.In(lang)
	}
	return string(f)
}
