package i18n

func init() { add("sso", ssoMessages) }

// ssoMessages hold the messages of single sign-on: identity providers, the links
// between their identities and accounts, the login flow and logout (internal/sso).
var ssoMessages = map[string]Msg{
	// The login flow, as the person sees it.
	"sso_flow_expired":              {"Cette connexion a pris trop de temps ou a déjà servi\u00a0: recommencez.", "This login took too long or was already used: start again."},
	"sso_unknown_identity":          {"Ce compte ENT n’est relié à aucun compte cartable. Connectez-vous une fois avec vos identifiants cartable et reliez-le depuis la page «\u00a0Mon compte\u00a0», ou demandez-le à l’administrateur de votre établissement.", "This school account is linked to no cartable account. Log in once with your cartable credentials and link it from the “My account” page, or ask your establishment's administrator."},
	"sso_not_allowed":               {"Votre établissement ne permet pas de vous connecter de cette façon\u00a0: utilisez vos identifiants cartable.", "Your establishment does not let you log in this way: use your cartable login."},
	"sso_refused":                   {"La réponse du fournisseur d’identité n’a pas pu être vérifiée\u00a0: recommencez.", "The identity provider's answer could not be checked: start again."},
	"sso_provider_disabled":         {"Ce fournisseur d’identité est désactivé.", "This identity provider is turned off."},
	"sso_provider_unavailable":      {"Le fournisseur d’identité ne répond pas\u00a0: réessayez plus tard ou utilisez vos identifiants cartable.", "The identity provider does not answer: try again later or use your cartable login."},
	"sso_link_needs_cartable_login": {"Pour relier un compte ENT, connectez-vous d’abord avec votre mot de passe et votre code cartable.", "To link a school account, log in with your cartable password and code first."},
	"second_factor_missing":         {"Votre établissement demande votre code cartable après cette connexion, et votre compte n’en a pas encore\u00a0: ouvrez d’abord le lien d’activation de votre courrier d’activation.", "Your establishment asks for your cartable code after this login, and your account has none yet: open the activation link of your activation letter first."},
	"sso_bad_logout_request":        {"Ce n’est pas une demande de déconnexion de ce fournisseur d’identité.", "This is not a logout request of this identity provider."},

	// Links between identities and accounts.
	"external_id_required":     {"Identifiant externe manquant.", "The external id is missing."},
	"invalid_external_id":      {"Identifiant externe refusé\u00a0: il ne doit pas contenir de caractère de contrôle.", "External id rejected: it must not contain control characters."},
	"sso_identity_linked":      {"Cette identité est déjà reliée à un autre compte.", "This identity is already linked to another account."},
	"sso_account_linked":       {"Ce compte est déjà relié à une identité de ce fournisseur\u00a0: retirez d’abord ce lien.", "This account is already linked to an identity of this provider: unlink it first."},
	"account_read_only":        {"Ce compte a aussi des rôles dans d’autres établissements\u00a0: seul un administrateur de la plateforme peut relier ses identités.", "This account also holds roles elsewhere: only a platform administrator links its identities."},
	"sso_provider_not_allowed": {"Votre établissement n’autorise pas le fournisseur d’identité {provider}.", "Your establishment does not allow the identity provider {provider}."},
	"sso_link_not_found":       {"Ce lien n’existe pas.", "No such link."},
	"invalid_policy":           {"Politique de connexion inconnue\u00a0: sso_only, sso_then_totp ou cartable_only.", "Unknown login policy: sso_only, sso_then_totp or cartable_only."},

	// Identity providers, as the operator declares them.
	"sso_provider_not_found": {"Ce fournisseur d’identité n’existe pas.", "No such identity provider."},
	"sso_provider_exists":    {"Un fournisseur d’identité s’appelle déjà {name}.", "An identity provider is already called {name}."},
	"invalid_url":            {"{field}\u00a0: il faut une adresse https:// absolue, sans paramètres.", "{field}: an absolute https:// URL without query is needed."},
	"insecure_url":           {"{field}\u00a0: https:// est obligatoire (http:// seulement sur 127.0.0.1 ou localhost).", "{field}: https:// is required (http:// only on 127.0.0.1 or localhost)."},
	"invalid_provider_name":  {"Nom de fournisseur refusé\u00a0: 2 à 32 caractères parmi a-z 0-9 -, en commençant par une lettre ou un chiffre.", "Provider name rejected: 2 to 32 characters among a-z 0-9 -, starting with a letter or a digit."},
	"invalid_identity":       {"Identifiant de la personne\u00a0: un nom d’attribut ou de claim (A-Z a-z 0-9 _\u00a0: . -).", "Identity: an attribute or claim name (A-Z a-z 0-9 _ : . -)."},
	"invalid_cas_protocol":   {"Version du protocole CAS\u00a0: 2 ou 3.", "CAS protocol version: 2 or 3."},
	"client_id_required":     {"L’identifiant client (client_id) est obligatoire.", "The client id (client_id) is required."},
	"client_secret_required": {"Le secret client (client_secret) est obligatoire.", "The client secret (client_secret) is required."},
	"invalid_scope":          {"Scope refusé\u00a0: «\u00a0{scope}\u00a0» doit être fait de caractères imprimables, sans espace.", "Scope rejected: “{scope}” must be printable characters without spaces."},
	"invalid_provider_kind":  {"Type de fournisseur\u00a0: cas ou oidc.", "Provider kind: cas or oidc."},
}
