package i18n

func init() { add("privacy", privacyMessages) }

// privacyMessages hold the data catalogue's texts (internal/privacy): the privacy notice
// (articles 13-14 GDPR) and the record of processing activities (article 30).
var privacyMessages = map[string]Msg{
	// Processing activities.
	"privacy.accounts.name":       {"Comptes et connexion", "Accounts and login"},
	"privacy.accounts.purpose":    {"Permettre à chacun de se connecter à cartable avec le rôle que son établissement lui donne, et protéger ce compte (mot de passe, code à usage unique, sessions, connexion par l’ENT).", "Let each person log in to cartable with the role their establishment gives them, and protect that account (password, one-time code, sessions, login through the school's single sign-on)."},
	"privacy.accounts.basis":      {"Mission d’intérêt public (article 6.1.e du RGPD)\u00a0: le service public de l’éducation (Code de l’éducation).", "Task carried out in the public interest (GDPR article 6.1.e): the public education service (French Code de l'éducation)."},
	"privacy.accounts.data":       {"Identifiant, nom affiché, rôles et établissements, empreinte du mot de passe (jamais le mot de passe), secret du code à usage unique (chiffré), codes de secours (empreintes), sessions (adresse IP, navigateur, dates), liens avec un compte ENT, langue.", "Login, display name, roles and establishments, password hash (never the password), one-time code secret (encrypted), recovery codes (hashes), sessions (IP address, browser, dates), links to a school single sign-on account, language."},
	"privacy.accounts.recipients": {"La personne elle-même\u00a0; les administrateurs de son établissement\u00a0; les administrateurs de la plateforme.", "The person; the administrators of their establishment; the platform administrators."},
	"privacy.accounts.retention":  {"Tant que le compte existe\u00a0; le compte d’un élève est supprimé avec son dossier, six mois après son départ.", "While the account exists; a student's account is deleted with their records, six months after they left."},

	"privacy.records.name":       {"Dossiers scolaires", "School records"},
	"privacy.records.purpose":    {"Tenir le dossier de chaque élève\u00a0: inscription (import SIECLE), évaluations par compétences, situations professionnelles et pièces jointes, passeport.", "Keep each student's record: enrolment (SIECLE import), competency-based evaluations, professional situations and attachments, passport."},
	"privacy.records.basis":      {"Mission d’intérêt public (article 6.1.e du RGPD)\u00a0: le service public de l’éducation.", "Task carried out in the public interest (GDPR article 6.1.e): the public education service."},
	"privacy.records.data":       {"Identité de l’élève (nom, prénoms, date de naissance, INE), classe et formation, résultats et appréciations, situations professionnelles et fichiers joints, historique des imports.", "The student's identity (names, birth date, INE), class and course, results and comments, professional situations and attached files, import history."},
	"privacy.records.recipients": {"L’élève (son propre dossier)\u00a0; les personnels de son établissement selon leur rôle\u00a0: administrateurs, enseignants, inspecteurs (lecture).", "The student (their own record); the staff of their establishment according to their role: administrators, teachers, inspectors (read only)."},
	"privacy.records.retention":  {"Pendant la scolarité, puis six mois après le départ de l’élève (purge hebdomadaire), sauf transfert vers son nouvel établissement.", "During schooling, then six months after the student left (weekly purge), unless moved to their new establishment."},

	"privacy.transfers.name":       {"Transferts de dossiers", "Record transfers"},
	"privacy.transfers.purpose":    {"Transmettre le dossier d’un élève à l’établissement où il poursuit sa scolarité, quand les deux établissements y consentent et que l’identité de l’élève est établie.", "Pass a student's record to the establishment where they continue their schooling, when both establishments consent and the student's identity is established."},
	"privacy.transfers.basis":      {"Mission d’intérêt public (article 6.1.e du RGPD)\u00a0: la continuité de la scolarité.", "Task carried out in the public interest (GDPR article 6.1.e): continuity of schooling."},
	"privacy.transfers.data":       {"Reçu de transfert (nom, prénom, établissements, date, nombre d’éléments transmis), état de la recherche, décisions de l’établissement d’origine.", "Transfer receipt (names, establishments, date, counts of what moved), state of the search, decisions of the origin establishment."},
	"privacy.transfers.recipients": {"Les administrateurs des établissements d’origine et d’accueil\u00a0; l’élève (le reçu, sur sa page «\u00a0Mon compte\u00a0»).", "The administrators of the origin and destination establishments; the student (the receipt, on their \"My account\" page)."},
	"privacy.transfers.retention":  {"Les états et décisions, avec le dossier de l’élève\u00a0; les reçus n’ont pas encore de suppression automatique.", "States and decisions, with the student's record; receipts have no automatic deletion yet."},

	"privacy.graduation.name":       {"Suivi des conditions de diplomation", "Graduation requirements tracking"},
	"privacy.graduation.purpose":    {"Permettre à chaque étudiant de l’enseignement supérieur de suivre ce qu’il lui reste à valider pour être diplômé, et au service de scolarité de recueillir et vérifier les justificatifs.", "Let each higher-education student follow what they still have to validate to graduate, and let the office of studies collect and check the proofs."},
	"privacy.graduation.basis":      {"Mission d’intérêt public (article 6.1.e du RGPD)\u00a0: le service public de l’enseignement supérieur\u00a0; pour un établissement privé, l’exécution du contrat de formation (article 6.1.b).", "Task carried out in the public interest (GDPR article 6.1.e): the public higher-education service; for a private establishment, the performance of the training contract (article 6.1.b)."},
	"privacy.graduation.data":       {"Numéro d’étudiant, identité, formation et promotion, conditions de diplomation et leur état, justificatifs déposés (PDF ou image), motifs de refus ou de dispense, historique des changements.", "Student number, identity, programme and cohort, graduation requirements and their state, proofs uploaded (PDF or image), reasons for refusals or exemptions, history of changes."},
	"privacy.graduation.recipients": {"L’étudiant (uniquement les siens)\u00a0; le service de scolarité, le directeur de la formation et les membres du jury de son établissement.", "The student (only their own); the office of studies, the programme director and the jury members of their establishment."},
	"privacy.graduation.retention":  {"Jusqu’à un an après le jury (durée réglable), puis suppression par une tâche planifiée.", "Until one year after the jury (configurable), then deleted by a scheduled job."},

	"privacy.notifications.name":       {"Avis et courriels", "Notices and e-mails"},
	"privacy.notifications.purpose":    {"Prévenir chacun de ce qui le concerne (identifiants qui expirent, dossier transmis, justificatif refusé…) sur sa page «\u00a0Mon compte\u00a0» et, s’il a confirmé une adresse, par courriel.", "Tell each person what concerns them (credentials expiring, record moved, proof refused…) on their \"My account\" page and, if they confirmed an address, by e-mail."},
	"privacy.notifications.basis":      {"Avis dans l’application\u00a0: mission d’intérêt public (article 6.1.e du RGPD). Adresse électronique\u00a0: consentement (article 6.1.a), retirable à tout moment en retirant l’adresse.", "Notices in the application: task carried out in the public interest (GDPR article 6.1.e). E-mail address: consent (article 6.1.a), withdrawn at any time by removing the address."},
	"privacy.notifications.data":       {"Avis (nature et paramètres), adresse électronique et sa confirmation, courriels en attente d’envoi et leur état.", "Notices (kind and parameters), e-mail address and its confirmation, e-mails waiting to be sent and their state."},
	"privacy.notifications.recipients": {"La personne elle-même\u00a0; le serveur de messagerie configuré par l’exploitant (sous-traitant)\u00a0; les administrateurs de la plateforme voient l’état des envois, sans adresse ni contenu.", "The person; the mail server configured by the operator (a processor); platform administrators see the state of the sending, without address or content."},
	"privacy.notifications.retention":  {"Avis\u00a0: un an\u00a0; adresse\u00a0: jusqu’à son retrait ou la suppression du compte\u00a0; courriels envoyés\u00a0: 30 jours.", "Notices: one year; address: until removed or the account is deleted; e-mails sent: 30 days."},

	"privacy.security.name":       {"Journal de sécurité et des accès", "Security and access log"},
	"privacy.security.purpose":    {"Garder la trace des connexions et de chaque accès aux données d’un élève, pour détecter et établir un abus.", "Keep a trace of logins and of every access to a student's data, to detect and prove misuse."},
	"privacy.security.basis":      {"Obligation de sécurité (article 32 du RGPD), dans le cadre de la mission d’intérêt public (article 6.1.e).", "Security obligation (GDPR article 32), within the task carried out in the public interest (article 6.1.e)."},
	"privacy.security.data":       {"Date, action, auteur et personne concernée (identifiants), adresse IP, établissement, détails sans secret.", "Date, action, actor and person concerned (ids), IP address, establishment, details without secrets."},
	"privacy.security.recipients": {"Les administrateurs de la plateforme\u00a0; les administrateurs d’un établissement pour les événements de celui-ci.", "Platform administrators; an establishment's administrators for its events."},
	"privacy.security.retention":  {"Journal non modifiable, sans suppression automatique à ce jour (la CNIL recommande de six mois à un an)\u00a0: durée à fixer par le responsable de traitement.", "Append-only log, with no automatic deletion yet (the CNIL recommends six months to a year): a period for the controller to set."},

	"privacy.operation.name":       {"Fonctionnement technique", "Technical operation"},
	"privacy.operation.purpose":    {"Faire fonctionner la plateforme\u00a0: établissements, référentiels, fournisseurs d’identité, secrets de la plateforme, tâches planifiées, version du schéma.", "Run the platform: establishments, referentials, identity providers, platform secrets, scheduled jobs, schema version."},
	"privacy.operation.basis":      {"Sans objet\u00a0: aucune donnée personnelle.", "Not applicable: no personal data."},
	"privacy.operation.data":       {"Aucune donnée personnelle.", "No personal data."},
	"privacy.operation.recipients": {"Les administrateurs de la plateforme.", "Platform administrators."},
	"privacy.operation.retention":  {"Tant que la plateforme en a besoin.", "As long as the platform needs it."},

	// Retention, per table.
	"privacy.retention.account":    {"Tant que le compte existe (compte d’élève\u00a0: supprimé avec son dossier).", "While the account exists (a student's: deleted with their record)."},
	"privacy.retention.enrollment": {"Lien utilisable une fois, jusqu’à son expiration (7 jours par défaut)\u00a0; supprimé avec le compte.", "Link usable once, until it expires (7 days by default); deleted with the account."},
	"privacy.retention.session":    {"Jusqu’à la déconnexion ou l’expiration (12 h au plus)\u00a0; les sessions expirées sont supprimées.", "Until logout or expiry (12 h at most); expired sessions are deleted."},
	"privacy.retention.sso_flow":   {"Le temps d’une connexion\u00a0; les connexions expirées sont supprimées.", "For the time of one login; expired logins are deleted."},
	"privacy.retention.record":     {"Pendant la scolarité, puis six mois après le départ (purge hebdomadaire).", "During schooling, then six months after leaving (weekly purge)."},
	"privacy.retention.import":     {"Avec l’établissement (historique des imports, sans suppression automatique).", "With the establishment (import history, no automatic deletion)."},
	"privacy.retention.receipt":    {"Sans suppression automatique à ce jour (à fixer).", "No automatic deletion yet (to be set)."},
	"privacy.retention.notice":     {"Un an, puis suppression par la tâche quotidienne «\u00a0Rappels\u00a0».", "One year, then deleted by the daily \"Reminders\" job."},
	"privacy.retention.address":    {"Jusqu’à son retrait par la personne ou la suppression du compte\u00a0; lien de confirmation valable 48 h.", "Until the person removes it or the account is deleted; confirmation link valid 48 h."},
	"privacy.retention.outbox":     {"Courriel envoyé, abandonné ou annulé\u00a0: 30 jours, puis suppression par la tâche «\u00a0Rappels\u00a0».", "E-mail sent, given up or cancelled: 30 days, then deleted by the \"Reminders\" job."},
	"privacy.retention.audit":      {"Sans suppression automatique à ce jour (journal non modifiable).", "No automatic deletion yet (append-only log)."},
	"privacy.retention.graduation": {"Jusqu’à un an après le jury (durée réglable), puis suppression par une tâche planifiée.", "Until one year after the jury (configurable), then deleted by a scheduled job."},
	"privacy.retention.technical":  {"Sans donnée personnelle\u00a0: tant que la plateforme en a besoin.", "No personal data: as long as the platform needs it."},

	// The register (article 30).
	"privacy.register.title":    {"Registre des activités de traitement (article 30 du RGPD)", "Record of processing activities (GDPR article 30)"},
	"privacy.register.intro":    {"Produit par cartable à partir de son catalogue de données\u00a0: chaque table de la base, le traitement qu’elle sert et sa durée de conservation.", "Produced by cartable from its data catalogue: every table of the database, the processing it serves and how long it is kept."},
	"privacy.register.no_table": {"Aucune table dans cette version.", "No table in this version."},
	"privacy.register.download": {"Télécharger le registre", "Download the record"},
	"privacy.col.table":         {"Table", "Table"},
	"privacy.col.processing":    {"Traitement", "Processing"},
	"privacy.col.purpose":       {"Finalité", "Purpose"},
	"privacy.col.basis":         {"Base légale", "Legal basis"},
	"privacy.col.recipients":    {"Destinataires", "Recipients"},
	"privacy.col.retention":     {"Durée de conservation", "Retention"},
	"privacy.field.purpose":     {"Pourquoi", "Why"},
	"privacy.field.basis":       {"Base légale", "Legal basis"},
	"privacy.field.data":        {"Ce qui est conservé", "What is kept"},
	"privacy.field.recipients":  {"Qui le voit", "Who sees it"},
	"privacy.field.retention":   {"Combien de temps", "How long"},

	// The notice page.
	"privacy.title":           {"Vos données personnelles", "Your personal data"},
	"privacy.intro":           {"cartable conserve les données nécessaires à la scolarité. Pour chaque traitement\u00a0: ce qui est conservé, pourquoi, combien de temps et qui le voit (articles 13 et 14 du RGPD).", "cartable keeps the data schooling needs. For each processing: what is kept, why, for how long and who sees it (GDPR articles 13 and 14)."},
	"privacy.controller":      {"Responsable de traitement\u00a0: votre établissement (son chef d’établissement ou son président), qui utilise cartable\u00a0; les données des élèves viennent de l’établissement (SIECLE, scolarité), non de l’élève lui-même.", "Controller: your establishment (its head or president), which uses cartable; students' data come from the establishment (SIECLE, office of studies), not from the student."},
	"privacy.rights.title":    {"Vos droits", "Your rights"},
	"privacy.rights.text":     {"Vous pouvez accéder à vos données, les faire rectifier, demander leur limitation et, lorsque le traitement repose sur le consentement, retirer celui-ci (votre adresse électronique se retire depuis «\u00a0Mon compte\u00a0»). Le droit d’opposition et d’effacement s’exerce dans les limites de la mission de service public. Vous pouvez télécharger votre passeport depuis «\u00a0Mon compte\u00a0».", "You may access your data, have it corrected, ask for its restriction and, where the processing rests on consent, withdraw it (your e-mail address is removed from \"My account\"). The rights to object and to erasure apply within the limits of the public service task. You may download your passport from \"My account\"."},
	"privacy.rights.contact":  {"Pour exercer vos droits, adressez-vous au délégué à la protection des données\u00a0: %s.", "To exercise your rights, write to the data protection officer: %s."},
	"privacy.rights.default":  {"Pour exercer vos droits, adressez-vous au secrétariat de votre établissement ou à son délégué à la protection des données (pour un établissement public, celui de l’académie).", "To exercise your rights, contact your establishment's office or its data protection officer (for a public school, the academy's)."},
	"privacy.rights.cnil":     {"Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL (www.cnil.fr).", "If you consider your rights are not respected, you may lodge a complaint with the CNIL (www.cnil.fr), the French data protection authority."},
	"privacy.link":            {"Vos données personnelles", "Your personal data"},
	"privacy.letter":          {"Vos données et vos droits\u00a0: {url}", "Your data and your rights: {url}"},
	"privacy.admin.title":     {"Registre des traitements", "Record of processing"},
	"privacy.admin.formats":   {"Formats\u00a0: Markdown (lecture, impression) ou CSV (tableur).", "Formats: Markdown (reading, printing) or CSV (spreadsheet)."},
	"privacy.admin.markdown":  {"Registre (Markdown)", "Record (Markdown)"},
	"privacy.admin.csv":       {"Registre (CSV)", "Record (CSV)"},
	"unknown_register_format": {"Format du registre\u00a0: md ou csv.", "Register format: md or csv."},
}
