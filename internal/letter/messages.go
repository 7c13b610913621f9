package letter

import (
	"fmt"
	"strings"
)

// messages is the text of a letter in one language. The French text is the reference:
// the English one exists for international sections and staff.
type messages struct {
	lang      string // "fr" or "en", for calendar.LongDateTime
	pdfLang   string // the document's /Lang, for screen readers
	title     string
	class     string // label, followed by the class
	login     string // label, followed by the login
	howTo     string // heading of the numbered steps
	warning   string
	generated string // footer, %s is the generation date
	page      string // footer, %d is the page number, %s the page count
	// steps returns the numbered instructions; expires is the formatted expiry of
	// the link, issuer the name of the account in the authenticator app (may be empty).
	steps func(expires, issuer string) []string
}

// messagesFor returns the messages for lang ("fr", "en", or a regional form of
// them); any other language gets French, the language of the schools.
func messagesFor(lang string) messages {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	base, _, _ = strings.Cut(base, "_")
	if base == "en" {
		return messages{
			lang:      "en",
			pdfLang:   "en",
			title:     "Your cartable account",
			class:     "Class: ",
			login:     "Login: ",
			howTo:     "To activate your account",
			warning:   "This document is personal: do not share it with anyone. If the link has already been opened, ask your school for a new letter.",
			generated: "Generated on %s",
			page:      "Page %d/%s",
			steps: func(expires, issuer string) []string {
				app := "Install an authenticator app (Google Authenticator, FreeOTP, Aegis…) and use it to scan the second QR code shown on screen."
				if issuer != "" {
					app += fmt.Sprintf(" The account will appear in it as “%s”.", issuer)
				}
				return []string{
					fmt.Sprintf("Scan the code above or open the link (valid until %s, Paris time). The link opens only once.", expires),
					app,
					"Save the password shown in a password manager, or copy it down.",
					"Enter the 6-digit code given by the app to activate the account.",
					"Keep your recovery codes somewhere safe: they let you sign in if you lose your phone.",
				}
			},
		}
	}
	// French typography puts a no-break space (U+00A0) before ":" and inside « »,
	// which also keeps a colon from starting a line.
	return messages{
		lang:      "fr",
		pdfLang:   "fr-FR",
		title:     "Votre compte cartable",
		class:     "Classe\u00a0: ",
		login:     "Identifiant\u00a0: ",
		howTo:     "Pour activer votre compte",
		warning:   "Ce document est personnel\u00a0: ne le communiquez à personne. Si le lien a déjà été ouvert, demandez un nouveau courrier à votre établissement.",
		generated: "Document généré le %s",
		page:      "Page %d/%s",
		steps: func(expires, issuer string) []string {
			app := "Installez une application d'authentification (Google Authenticator, FreeOTP, Aegis…) et scannez avec elle le second QR code affiché à l'écran."
			if issuer != "" {
				app += fmt.Sprintf(" Le compte y apparaîtra sous le nom «\u00a0%s\u00a0».", issuer)
			}
			return []string{
				fmt.Sprintf("Scannez le code ci-dessus ou ouvrez le lien (valable jusqu'au %s, heure de Paris). Le lien ne s'ouvre qu'une seule fois.", expires),
				app,
				"Enregistrez le mot de passe affiché dans un gestionnaire de mots de passe ou recopiez-le.",
				"Saisissez le code à 6 chiffres donné par l'application pour activer le compte.",
				"Conservez vos codes de secours en lieu sûr\u00a0: ils permettent de vous connecter si vous perdez votre téléphone.",
			}
		},
	}
}
