package i18n

func init() { add("imports", imports) }

// imports holds the messages of SIECLE and Nomenclature imports (imports.html, import_report.html, partials.html).
var imports = map[string]Msg{
	"imports.title":             {"Imports — %s", "Imports — %s"},
	"imports.report":            {"Rapport d'import — %s", "Import report — %s"},
	"imports.upload":            {"Importer un fichier", "Import a file"},
	"imports.kind":              {"Type de fichier", "File type"},
	"imports.kind.siecle":       {"Élèves (export SIECLE)", "Students (SIECLE export)"},
	"imports.kind.nomenclature": {"Nomenclature (libellés des MEF)", "Nomenclature (MEF labels)"},
	"imports.file":              {"Fichier", "File"},
	"imports.file.help":         {"Fichier XML ou ZIP exporté de SIECLE, %d Mo au plus.", "XML or ZIP file exported from SIECLE, up to %d MB."},
	"imports.dry":               {"Simulation : montrer ce qui changerait, sans rien enregistrer", "Dry run: show what would change, without saving anything"},
	"imports.dry.done":          {"Simulation : rien n'a été enregistré. Importez de nouveau le fichier sans cocher « Simulation » pour appliquer ces changements.", "Dry run: nothing was saved. Import the file again without ticking “Dry run” to apply these changes."},
	"imports.submit":            {"Importer", "Import"},
	"imports.progress":          {"Envoi du fichier", "Uploading the file"},
	"imports.history":           {"Historique des imports", "Import history"},
	"imports.none":              {"Aucun import pour l'instant.", "No import yet."},
	"imports.when":              {"Date", "Date"},
	"imports.who":               {"Par", "By"},
	"imports.infile":            {"Élèves dans le fichier", "Students in the file"},
	"imports.created":           {"Créés", "Created"},
	"imports.updated":           {"Modifiés", "Updated"},
	"imports.deactivated":       {"Désactivés (partis)", "Deactivated (left)"},
	"imports.reactivated":       {"Réactivés", "Reactivated"},
	"imports.unchanged":         {"Inchangés", "Unchanged"},
	"imports.absent":            {"Absents du fichier (conservés tels quels)", "Not in the file (kept as they are)"},
	"imports.accounts":          {"Comptes créés", "Accounts created"},
	"imports.warnings":          {"Avertissements", "Warnings"},
	"imports.truncated":         {"Chaque liste ci-dessous s'arrête à 5 000 élèves ; les totaux restent exacts.", "Each list below stops at 5,000 students; the totals are exact."},
	"imports.field":             {"Champ", "Field"},
	"imports.message":           {"Message", "Message"},
	"imports.fields":            {"Champs modifiés", "Changed fields"},
	"imports.refused":           {"Non importés (identité incomplète, voir les avertissements)", "Not imported (incomplete identity, see the warnings)"},
	"imports.line":              {"Ligne", "Line"},
}
