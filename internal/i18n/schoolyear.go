package i18n

func init() { add("schoolyear", schoolyear) }

// schoolyear holds the messages of the school year (internal/schoolyear): years,
// periods, classes, enrolments, teaching services, attestations.
var schoolyear = map[string]Msg{
	// Errors (apperr codes of schoolyear).
	"not_secondary":            {"L’établissement {uai} relève de l’enseignement supérieur\u00a0: il n’a pas d’année scolaire.", "{uai} is an establishment of higher education: it has no school year."},
	"invalid_year":             {"Année de début non valide (champ «\u00a0{field}\u00a0»)\u00a0: indiquez par exemple 2026 pour 2026-2027.", "Invalid start year (field \"{field}\"): give e.g. 2026 for 2026-2027."},
	"invalid_period_kind":      {"Découpage inconnu (champ «\u00a0{field}\u00a0»)\u00a0: trimestre ou semestre.", "Unknown kind of periods (field \"{field}\"): trimestre or semestre."},
	"invalid_date_field":       {"Date non valide dans le champ «\u00a0{field}\u00a0»\u00a0: utilisez le format AAAA-MM-JJ.", "Invalid date in the field \"{field}\": use the YYYY-MM-DD format."},
	"invalid_dates":            {"La fin (champ «\u00a0{field}\u00a0») précède le début.", "The end (field \"{field}\") comes before the start."},
	"period_kind_fixed":        {"Le découpage d’une année (champ «\u00a0{field}\u00a0») ne change plus après sa création.", "A year’s kind of periods (field \"{field}\") cannot change after its creation."},
	"school_year_not_found":    {"Cette année scolaire n’existe pas.", "No such school year."},
	"period_not_found":         {"Cette période n’existe pas.", "No such period."},
	"period_closed":            {"La période {period} est close\u00a0: elle est en lecture seule.", "The period {period} is closed: it is read-only."},
	"year_closed":              {"L’année {year} est close\u00a0: elle est en lecture seule.", "The year {year} is closed: it is read-only."},
	"year_closed_reopen":       {"L’année est close\u00a0: rouvrez-la avant ses périodes.", "The year is closed: reopen it before its periods."},
	"class_not_found":          {"Cette classe n’existe pas.", "No such class."},
	"class_code_not_found":     {"Aucune classe {class} cette année.", "No class {class} this year."},
	"invalid_capacity":         {"Capacité non valide (champ «\u00a0{field}\u00a0»)\u00a0: de 0 (non fixée) à 1000.", "Invalid capacity (field \"{field}\"): 0 (not set) to 1000."},
	"teacher_unknown":          {"Ce compte n’est pas enseignant de l’établissement (champ «\u00a0{field}\u00a0»).", "This account is not a teacher of the establishment (field \"{field}\")."},
	"class_not_empty":          {"La classe {class} a encore des élèves\u00a0: déplacez-les d’abord.", "The class {class} still has pupils: move them first."},
	"class_of_another_year":    {"Cette classe n’est pas de cette année (champ «\u00a0{field}\u00a0»).", "This class is not of this year (field \"{field}\")."},
	"enrolment_not_found":      {"Cet élève n’est pas inscrit cette année.", "This pupil is not enrolled this year."},
	"pupil_not_enrolled":       {"L’élève {student_id} n’est pas inscrit cette année.", "Pupil {student_id} is not enrolled this year."},
	"invalid_enrolment_status": {"Statut d’inscription inconnu (champ «\u00a0{field}\u00a0»)\u00a0: préinscrit ou inscrit.", "Unknown enrolment status (field \"{field}\"): pre-enrolled or enrolled."},
	"invalid_choice":           {"Valeur «\u00a0{value}\u00a0» inconnue pour le champ «\u00a0{field}\u00a0».", "Unknown value \"{value}\" for the field \"{field}\"."},
	"no_pupil":                 {"Choisissez au moins un élève (champ «\u00a0{field}\u00a0»).", "Choose at least one pupil (field \"{field}\")."},
	"service_not_found":        {"Ce service d’enseignement n’existe pas.", "No such teaching service."},
	"class_or_group":           {"Un service est pour une classe ou pour un groupe (champ «\u00a0{field}\u00a0»)\u00a0: indiquez l’un des deux.", "A service is for a class or for a group (field \"{field}\"): give one of them."},
	"invalid_coefficient":      {"Coefficient non valide (champ «\u00a0{field}\u00a0»)\u00a0: un nombre de 0 à 100 avec au plus deux décimales, comme 1 ou 1,5.", "Invalid coefficient (field \"{field}\"): a number from 0 to 100 with at most two decimals, such as 1 or 1.5."},
}
