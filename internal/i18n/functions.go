package i18n

func init() { add("functions", functionMessages) }

// functionMessages hold the messages of the OpenFaaS functions (internal/fn): the
// answers a gateway client gets that the API and the pages never give.
var functionMessages = map[string]Msg{
	"function_not_found":    {"La fonction {name} n’existe pas\u00a0: les fonctions sont {names}.", "No function {name}: the functions are {names}."},
	"method_not_allowed":    {"Une fonction s’appelle avec POST, pas {method}.", "A function is invoked with POST, not {method}."},
	"request_too_large":     {"Requête refusée\u00a0: le corps dépasse {max} octets.", "Request rejected: the body is larger than {max} bytes."},
	"invalid_request.token": {"Requête incomplète\u00a0: le jeton du lien d’activation (token) est nécessaire.", "Incomplete request: the enrolment link's token is required."},
}
