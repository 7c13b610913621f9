package i18n

func init() { add("classes", classes) }

// classes holds the messages of the teachers' classes: "Mes classes" (classes.html), the
// assignments an administrator makes (class_teachers.html), and the diploma an
// evaluation is graded against (evaluations.html).
var classes = map[string]Msg{
	"nav.classes":                  {"Mes classes", "My classes"},
	"classes.title":                {"Mes classes", "My classes"},
	"classes.intro":                {"Les classes que l’administration vous a attribuées, et vos dernières évaluations.", "The classes the administration assigned to you, and your latest evaluations."},
	"classes.none":                 {"Aucune classe ne vous est encore attribuée : l’administrateur de votre établissement vous les attribue.", "No class is assigned to you yet: your establishment’s administrator assigns them."},
	"classes.class":                {"Classe", "Class"},
	"classes.establishment":        {"Établissement", "Establishment"},
	"classes.formation":            {"Formation", "Formation"},
	"classes.students":             {"Élèves", "Students"},
	"classes.grid":                 {"Saisir une évaluation", "Grade an evaluation"},
	"classes.grid.label":           {"Saisir une évaluation de la classe %s", "Grade an evaluation of class %s"},
	"classes.evaluations":          {"Évaluations de la classe %s", "Evaluations of class %s"},
	"classes.latest":               {"Dernière grille : %s", "Latest grid: %s"},
	"classes.recent":               {"Mes dernières évaluations", "My latest evaluations"},
	"classes.recent.none":          {"Vous n’avez pas encore créé d’évaluation.", "You have not created any evaluation yet."},
	"classes.others":               {"Autres classes et élèves", "Other classes and students"},
	"classes.others.help":          {"Les autres classes et les élèves se trouvent depuis la page de l’établissement (recherche).", "Other classes and students are found from the establishment’s page (search)."},
	"classes.manage":               {"Attribuer les classes aux enseignants", "Assign classes to teachers"},
	"class_teachers.title":         {"Classes et enseignants — %s", "Classes and teachers — %s"},
	"class_teachers.teachers":      {"Enseignants", "Teachers"},
	"class_teachers.nobody":        {"Aucun enseignant attribué", "No teacher assigned"},
	"class_teachers.assign":        {"Attribuer", "Assign"},
	"class_teachers.remove":        {"Retirer %s de la classe %s", "Remove %s from class %s"},
	"class_teachers.assign.remove": {"Retirer", "Remove"},
	"class_teachers.teacher":       {"Enseignant", "Teacher"},
	"class_teachers.done":          {"Attribution enregistrée.", "Assignment saved."},
	"class_teachers.removed":       {"Attribution retirée.", "Assignment removed."},
	"class_teachers.none":          {"Aucun compte n’a le rôle d’enseignant dans cet établissement.", "No account has the teacher role in this establishment."},
	"not_a_teacher":                {"Ce compte n’est pas enseignant de l’établissement {uai}.", "This account is not a teacher of establishment {uai}."},
	"unknown_class":                {"Aucun élève n’est dans la classe « {class} ».", "No student is in class “{class}”."},
	"evals.diploma.auto":           {"Selon la classe (diplôme de sa formation)", "From the class (its formation’s diploma)"},
	"evals.diploma.hint":           {"Par défaut, le diplôme préparé par la formation (MEF) de la classe.", "By default, the diploma prepared by the class’s formation (MEF)."},
	"diploma_mismatch":             {"La classe {class} suit la formation {mef}, que le diplôme « {diploma} » ne prépare pas. Vérifiez le diplôme, ou confirmez-le.", "Class {class} follows the formation {mef}, which the diploma “{diploma}” does not prepare. Check the diploma, or confirm it."},
	"no_referential_for_class":     {"Aucun référentiel ne correspond à la formation {mef} de la classe {class} : choisissez le diplôme.", "No referential matches the formation {mef} of class {class}: choose the diploma."},
	"evals.diploma.confirm":        {"Je confirme ce diplôme pour cette classe", "I confirm this diploma for this class"},
	"evals.diploma.of_class":       {"Formation de la classe : %s", "The class’s formation: %s"},
}
