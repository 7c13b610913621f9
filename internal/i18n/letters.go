package i18n

func init() { add("letters", letters) }

// letters holds the text of the enrolment letters (internal/letter). French
// typography puts a no-break space (U+00A0) before ":" and inside « », which also keeps
// a colon from starting a line.
var letters = map[string]Msg{
	"letter.title":     {"Votre compte cartable", "Your cartable account"},
	"letter.class":     {"Classe\u00a0: ", "Class: "},      // followed by the class
	"letter.login":     {"Identifiant\u00a0: ", "Login: "}, // followed by the login
	"letter.how_to":    {"Pour activer votre compte", "To activate your account"},
	"letter.warning":   {"Ce document est personnel\u00a0: ne le communiquez à personne. Si le lien d’activation a déjà été ouvert, demandez un nouveau courrier d’activation à votre établissement.", "This document is personal: do not share it with anyone. If the link has already been opened, ask your school for a new activation letter."},
	"letter.generated": {"Document généré le {date}", "Generated on {date}"},
	"letter.page":      {"Page {page}/{pages}", "Page {page}/{pages}"},
	// The numbered steps; {expires} is the expiry of the link, {issuer} the name of
	// the account in the authenticator app.
	"letter.step.link":       {"Scannez le code ci-dessus ou ouvrez le lien d’activation (valable jusqu’au {expires}, heure de Paris), sur l’appareil où vous finirez l’activation\u00a0: votre téléphone convient. Le lien ne s’ouvre que sur un seul appareil.", "Scan the code above or open the activation link (valid until {expires}, Paris time) on the device where you will finish the activation: your phone will do. The link opens on one device only."},
	"letter.step.app":        {"Installez une application d’authentification (Google Authenticator, FreeOTP, Aegis…). Sur le téléphone, touchez «\u00a0Ajouter à mon application d’authentification\u00a0»\u00a0; depuis un autre appareil, scannez le QR code affiché à l’écran.", "Install an authenticator app (Google Authenticator, FreeOTP, Aegis…). On the phone, tap “Add to my authenticator app”; from another device, scan the QR code shown on screen."},
	"letter.step.app.issuer": {" Le compte y apparaîtra sous le nom «\u00a0{issuer}\u00a0».", " The account will appear in it as “{issuer}”."},
	"letter.step.password":   {"Enregistrez le mot de passe affiché dans un gestionnaire de mots de passe ou recopiez-le.", "Save the password shown in a password manager, or copy it down."},
	"letter.step.code":       {"Saisissez le code à 6 chiffres donné par l’application pour activer le compte.", "Enter the 6-digit code given by the app to activate the account."},
	"letter.step.recovery":   {"Conservez vos codes de secours en lieu sûr\u00a0: ils permettent de vous connecter si vous perdez votre téléphone.", "Keep your recovery codes somewhere safe: they let you sign in if you lose your phone."},
}
