package i18n

func init() { add("marks", marks) }

// marks holds the messages of assessments, marks, averages, class councils and report
// cards (internal/marks, internal/web/marks.go).
var marks = map[string]Msg{
	// Errors.
	"invalid_mark":          {"Note «\u00a0{value}\u00a0» illisible\u00a0: écrivez un nombre comme 12,5 (deux décimales au plus) ou ABS, DISP, NN.", "Mark “{value}” is not readable: write a number such as 12.5 (two decimals at most) or ABS, DISP, NN."},
	"mark_out_of_bounds":    {"Note «\u00a0{value}\u00a0» au-dessus du maximum du devoir ({max}).", "Mark “{value}” is above the assessment’s maximum ({max})."},
	"invalid_out_of":        {"Le barème doit être supérieur à 0 et au plus 1000.", "The “out of” must be above 0 and at most 1000."},
	"invalid_coefficient":   {"Le coefficient doit être supérieur à 0 et au plus 100.", "The coefficient must be above 0 and at most 100."},
	"marks.error.empty":     {"Le fichier est vide\u00a0: il n’a pas de ligne d’en-tête.", "The file is empty: it has no header line."},
	"sheet_too_large":       {"Le fichier dépasse 2 Mio : une feuille de notes d’une classe en fait quelques kilo-octets.", "The file is larger than 2 MiB: a class’s marks sheet is a few kilobytes."},
	"sheet_empty":           {"Le fichier est vide\u00a0: il n’a pas de ligne d’en-tête.", "The file is empty: it has no header line."},
	"sheet_no_eleve_id":     {"Ligne {row}\u00a0: la première colonne doit être eleve_id (téléchargez le modèle).", "Line {row}: the first column must be eleve_id (download the template)."},
	"sheet_unknown_column":  {"Colonne {column} («\u00a0{value}\u00a0»)\u00a0: ce n’est pas un devoir de cette classe et de cette matière. Créez le devoir d’abord, puis téléchargez le modèle.", "Column {column} (“{value}”): not an assessment of this class and subject. Create the assessment first, then download the template."},
	"sheet_repeated_column": {"Colonne {column} («\u00a0{value}\u00a0»)\u00a0: ce devoir a deux colonnes.", "Column {column} (“{value}”): this assessment has two columns."},
	"sheet_no_assessment":   {"Ligne {row}\u00a0: aucune colonne de devoir.", "Line {row}: no assessment column."},
	// Problems of a marks sheet (ParseSheet).
	"marks.problems":                   {"Le fichier n’a pas été enregistré. Corrigez ces cellules et envoyez-le de nouveau\u00a0:", "The file was not saved. Correct these cells and send it again:"},
	"marks.problem":                    {"Ligne {row}, colonne {column}\u00a0: {message}", "Line {row}, column {column}: {message}"},
	"marks.problem.no_eleve_id":        {"eleve_id manquant", "eleve_id missing"},
	"marks.problem.unknown_student":    {"élève «\u00a0{id}\u00a0» inconnu dans cette classe", "pupil “{id}” unknown in this class"},
	"marks.problem.duplicate_student":  {"élève «\u00a0{id}\u00a0» déjà présent ligne {first}", "pupil “{id}” already on line {first}"},
	"marks.problem.above_max":          {"note «\u00a0{value}\u00a0» au-dessus du maximum ({max})", "mark “{value}” above the maximum ({max})"},
	"marks.problem.invalid":            {"«\u00a0{value}\u00a0» n’est ni une note (12,5) ni ABS, DISP ou NN", "“{value}” is neither a mark (12.5) nor ABS, DISP or NN"},
	"marks.problem.beyond_last_column": {"valeur au-delà de la dernière colonne du tableau", "value beyond the table’s last column"},
}
