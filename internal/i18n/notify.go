package i18n

func init() { add("notify", notifyMessages) }

// notifyMessages hold the messages of notifications (internal/notify): the notices, the
// e-mails, the address on the account page and its confirmation, the jobs.
var notifyMessages = map[string]Msg{
	// Notices (a notice is stored as its key and named parameters).
	"notify.credentials_expire": {"Vos identifiants cartable expirent le {date}. Renouvelez-les avant cette date depuis votre compte\u00a0: {renew}",
		"Your cartable credentials expire on {date}. Renew them before that date from your account: {renew}"},
	"notify.welcome": {"Bienvenue dans cartable\u00a0! Vos avis s’affichent ici\u00a0; avec une adresse électronique confirmée, ils vous arrivent aussi par courriel. Ce que cartable conserve sur vous et vos droits\u00a0: {privacy}",
		"Welcome to cartable! Your notices show here; with a confirmed e-mail address, they also reach you by e-mail. What cartable keeps about you and your rights: {privacy}"},
	"notify.email_confirmed": {"Votre adresse électronique {email} est confirmée\u00a0: vous recevrez aussi vos avis par courriel.",
		"Your e-mail address {email} is confirmed: you will also receive your notices by e-mail."},

	// E-mails.
	"notify.mail.subject":        {"cartable\u00a0: un nouvel avis vous concerne", "cartable: a new notice for you"},
	"notify.mail.verify_subject": {"cartable\u00a0: confirmez votre adresse électronique", "cartable: confirm your e-mail address"},
	"notify.mail.verify": {"Bonjour,\n\nPour recevoir les avis de cartable à cette adresse, ouvrez ce lien (valable {hours} heures, une seule fois)\u00a0:\n{link}\n\nSi vous n’avez rien demandé, ignorez ce message\u00a0: l’adresse ne sera pas utilisée.",
		"Hello,\n\nTo receive cartable's notices at this address, open this link (valid {hours} hours, once):\n{link}\n\nIf you asked for nothing, ignore this message: the address will not be used."},
	"notify.mail.footer": {"—\nVos avis et votre adresse\u00a0: {account}\nVos données et vos droits\u00a0: {privacy}",
		"—\nYour notices and your address: {account}\nYour data and your rights: {privacy}"},

	// The account page.
	"me.notices":            {"Avis", "Notices"},
	"me.notices.none":       {"Aucun avis.", "No notice."},
	"me.notices.unread":     {"non lu", "unread"},
	"me.notices.read":       {"Marquer comme lu", "Mark as read"},
	"me.notices.read_all":   {"Tout marquer comme lu", "Mark all as read"},
	"me.email":              {"Adresse électronique", "E-mail address"},
	"me.email.intro":        {"Avec une adresse confirmée, vous recevez aussi vos avis par courriel. Elle ne sert qu’à cela.", "With a confirmed address, you also receive your notices by e-mail. It serves nothing else."},
	"me.email.confirmed":    {"Adresse confirmée", "Confirmed address"},
	"me.email.pending":      {"En attente de confirmation\u00a0: %s (lien envoyé, valable jusqu’au %s)", "Waiting for confirmation: %s (link sent, valid until %s)"},
	"me.email.none":         {"Aucune adresse\u00a0: vos avis restent sur cette page.", "No address: your notices stay on this page."},
	"me.email.new":          {"Nouvelle adresse", "New address"},
	"me.email.send":         {"Envoyer le lien de confirmation", "Send the confirmation link"},
	"me.email.remove":       {"Retirer mon adresse", "Remove my address"},
	"me.email.sent":         {"Un lien de confirmation part vers %s\u00a0: ouvrez-le pour confirmer l’adresse.", "A confirmation link is on its way to %s: open it to confirm the address."},
	"me.email.disabled":     {"Les courriels ne sont pas configurés sur cette plateforme\u00a0: vos avis restent sur cette page.", "E-mail is not configured on this platform: your notices stay on this page."},
	"email.confirm.title":   {"Confirmer votre adresse électronique", "Confirm your e-mail address"},
	"email.confirm.intro":   {"Confirmez que cette adresse est la vôtre et que vous voulez y recevoir vos avis cartable.", "Confirm that this address is yours and that you want to receive your cartable notices there."},
	"email.confirm.button":  {"Confirmer l’adresse", "Confirm the address"},
	"email.confirm.done":    {"Adresse confirmée\u00a0: vos avis vous seront aussi envoyés par courriel.", "Address confirmed: your notices will also be sent to you by e-mail."},
	"jobs.job.mail":         {"Envoi des courriels", "Sending e-mails"},
	"jobs.job.reminders":    {"Rappels (quotidien)", "Reminders (daily)"},
	"field.email":           {"Adresse électronique", "E-mail address"},
	"email_required":        {"L’adresse électronique est obligatoire.", "The e-mail address is required."},
	"invalid_email":         {"«\u00a0{email}\u00a0» n’est pas une adresse électronique (exemple\u00a0: prenom.nom@exemple.fr).", "“{email}” is not an e-mail address (example: first.last@example.org)."},
	"mail_disabled":         {"Les courriels ne sont pas configurés sur cette plateforme.", "E-mail is not configured on this platform."},
	"email_link_invalid":    {"Ce lien de confirmation n’est pas valable\u00a0: il a déjà servi, a été remplacé par un autre ou a expiré. Demandez-en un nouveau depuis votre compte.", "This confirmation link is not valid: it was already used, replaced by another or expired. Ask for a new one from your account."},
	"email_links_exhausted": {"Vous avez demandé {max} liens de confirmation en 24 heures\u00a0: réessayez plus tard.", "You asked for {max} confirmation links in 24 hours: try again later."},
	"notice_not_found":      {"Cet avis n’existe pas.", "No such notice."},
}
