package i18n

func init() { add("graduation", graduation) }

// graduation holds the messages of higher education (programmes, cohorts) and of the
// graduation tracker "Pass'Diplôme" (rules, items, states, summaries, notices, jobs).
var graduation = map[string]Msg{
	// Jobs (jobs.html).
	"jobs.job.graduation":        {"Suivi de diplomation (quotidien)", "Graduation tracker (nightly)"},
	"jobs.job.graduation_digest": {"Preuves à vérifier (hebdomadaire)", "Proofs to check (weekly)"},
	"jobs.job.graduation_purge":  {"Purge des éléments de diplomation (hebdomadaire)", "Purge of graduation items (weekly)"},

	// States of an item.
	"graduation.state.to_provide":    {"À fournir", "To provide"},
	"graduation.state.submitted":     {"Déposé", "Submitted"},
	"graduation.state.validated":     {"Validé", "Validated"},
	"graduation.state.refused":       {"Refusé", "Refused"},
	"graduation.state.expired":       {"Expiré", "Expired"},
	"graduation.state.exempted":      {"Dispensé", "Exempted"},
	"graduation.state.not_concerned": {"Non concerné", "Not concerned"},
	// Statuses of a summary.
	"graduation.status.graduable": {"Diplômable", "Can graduate"},
	"graduation.status.on_track":  {"En bonne voie", "On track"},
	"graduation.status.at_risk":   {"À risque", "At risk"},
	"graduation.status.blocked":   {"Bloqué", "Blocked"},
	// Categories of rules.
	"graduation.category.language":   {"Niveau de langue", "Language level"},
	"graduation.category.internship": {"Stage", "Internship"},
	"graduation.category.mobility":   {"Mobilité à l'étranger", "Mobility abroad"},
	"graduation.category.credits":    {"Crédits ECTS", "ECTS credits"},
	"graduation.category.engagement": {"Engagement sportif ou citoyen", "Sport or civic engagement"},
	"graduation.category.other":      {"Autre", "Other"},

	// Notices (internal/notify renders them with their named parameters).
	"graduation.notice.refused":  {"Votre preuve pour « {rule} » a été refusée : {reason}", "Your proof for \"{rule}\" was refused: {reason}"},
	"graduation.notice.deadline": {"Échéance dans {days} jours ({deadline}) : « {rule} » n'est pas encore validé.", "Deadline in {days} days ({deadline}): \"{rule}\" is not validated yet."},
	"graduation.notice.digest":   {"{count} preuve(s) de diplomation attendent votre vérification.", "{count} graduation proof(s) are waiting for your review."},
	"graduation.notice.at_risk":  {"{count} étudiant(s) de la promotion {cohort} sont à risque avant le jury du {jury}.", "{count} student(s) of cohort {cohort} are at risk before the jury of {jury}."},

	// Errors (apperr codes of highered and graduation).
	"not_higher_education":      {"L'établissement {uai} n'est pas un établissement d'enseignement supérieur.", "{uai} is not an establishment of higher education."},
	"required":                  {"Le champ « {field} » est obligatoire.", "The field \"{field}\" is required."},
	"invalid_duration":          {"Une formation dure de 1 à 10 ans, pas {value}.", "A programme lasts 1 to 10 years, not {value}."},
	"invalid_years":             {"Année d'entrée {entry} et année de diplomation {graduation} incohérentes.", "Entry year {entry} and graduation year {graduation} do not match."},
	"programme_not_found":       {"Aucune formation « {code} ».", "No programme \"{code}\"."},
	"cohort_not_found":          {"Cette promotion n'existe pas.", "No such cohort."},
	"invalid_category":          {"Catégorie « {value} » inconnue.", "Unknown category \"{value}\"."},
	"invalid_measure":           {"Mesure « {value} » inconnue : toeic, weeks, semesters, ects ou rien.", "Unknown measure \"{value}\": toeic, weeks, semesters, ects or nothing."},
	"invalid_number":            {"Le nombre du champ « {field} » n'est pas valide.", "The number of the field \"{field}\" is not valid."},
	"graduation_item_not_found": {"Cet élément de diplomation n'existe pas.", "No such graduation item."},
	"invalid_action":            {"Action « {action} » inconnue.", "Unknown action \"{action}\"."},
	"graduation_transition":     {"Un élément à l'état {from} ne peut pas recevoir l'action {action}.", "An item in state {from} cannot be given the action {action}."},
	"reason_required":           {"Indiquez un motif : l'étudiant le lira.", "Give a reason: the student will read it."},
	"exemption_not_allowed":     {"Cette règle ne prévoit pas de dispense.", "This rule allows no exemption."},
	"value_required":            {"Indiquez la valeur de la preuve ({measure}) pour la valider.", "Give the proof's value ({measure}) to validate it."},
	"below_threshold":           {"{value} est en dessous du seuil de {threshold}.", "{value} is below the threshold of {threshold}."},
	"proof_date_required":       {"Cette preuve expire : indiquez sa date pour la valider.", "This proof expires: give its date to validate it."},
	"unsupported_proof":         {"{file} n'est ni un PDF ni une image PNG ou JPEG (le contenu a été vérifié, pas le nom).", "{file} is neither a PDF nor a PNG or JPEG image (the content was checked, not the name)."},
	"proof_not_found":           {"Cet élément n'a pas de preuve.", "This item has no proof."},

	// The registrar import (highered.Registrar): codes and remarks by row and field.
	"registrar_columns":                  {"Aucune colonne pour : {fields}. Associez-les aux en-têtes du fichier.", "No column for: {fields}. Map them to the file's headers."},
	"invalid_csv":                        {"Fichier CSV illisible : {detail}", "Unreadable CSV file: {detail}"},
	"invalid_xlsx":                       {"Classeur XLSX illisible : {detail}", "Unreadable XLSX workbook: {detail}"},
	"cell_too_long":                      {"Ligne {row} : une cellule dépasse {max} caractères.", "Row {row}: a cell is longer than {max} characters."},
	"registrar.warning.missing":          {"Valeur manquante : la ligne est ignorée.", "Missing value: the row is left out."},
	"registrar.warning.duplicate":        {"Numéro d'étudiant déjà présent ligne {row} : la ligne est ignorée.", "Student number already on row {row}: the row is left out."},
	"registrar.warning.date":             {"Date « {value} » illisible : utilisez JJ/MM/AAAA.", "Unreadable date \"{value}\": use DD/MM/YYYY."},
	"registrar.warning.email":            {"Adresse « {value} » non valide.", "Invalid address \"{value}\"."},
	"registrar.warning.programme":        {"Formation « {value} » inconnue : créez-la d'abord.", "Unknown programme \"{value}\": create it first."},
	"registrar.warning.cohort":           {"Promotion « {value} » inconnue : créez-la d'abord.", "Unknown cohort \"{value}\": create it first."},
	"registrar.warning.cohort_programme": {"La promotion « {value} » n'est pas de la formation {programme}.", "Cohort \"{value}\" is not of programme {programme}."},
	"registrar.warning.year":             {"Année d'étude « {value} » non valide (1 à 10).", "Invalid year of study \"{value}\" (1 to 10)."},
	"registrar.warning.too_long":         {"Plus de {max} caractères.", "More than {max} characters."},
	"field.student_number":               {"Numéro d'étudiant", "Student number"},
	"field.birth_date":                   {"Date de naissance", "Birth date"},
	"field.email":                        {"Courriel", "E-mail"},
	"field.programme":                    {"Formation", "Programme"},
	"field.cohort":                       {"Promotion", "Cohort"},
	"field.year":                         {"Année d'étude", "Year of study"},
	"field.columns":                      {"Colonnes", "Columns"},
	"field.rows":                         {"Lignes", "Rows"},
}
