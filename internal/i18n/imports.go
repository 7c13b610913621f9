package i18n

func init() { add("imports", imports) }

// imports holds the messages of SIECLE and Nomenclature imports (imports.html, import_report.html, partials.html).
var imports = map[string]Msg{
	"imports.title":             {"Imports — %s", "Imports — %s"},
	"imports.report":            {"Rapport d’import — %s", "Import report — %s"},
	"imports.upload":            {"Importer un fichier", "Import a file"},
	"imports.kind":              {"Type de fichier", "File type"},
	"imports.kind.siecle":       {"Élèves (export SIECLE)", "Students (SIECLE export)"},
	"imports.kind.nomenclature": {"Nomenclature (libellés des MEF)", "Nomenclature (MEF labels)"},
	"imports.file":              {"Fichier", "File"},
	"imports.file.help":         {"Fichier XML ou ZIP exporté de SIECLE, %d Mo au plus.", "XML or ZIP file exported from SIECLE, up to %d MB."},
	"imports.dry":               {"Simulation\u00a0: montrer ce qui changerait, sans rien enregistrer", "Dry run: show what would change, without saving anything"},
	"imports.dry.done":          {"Simulation\u00a0: rien n’a été enregistré. Importez de nouveau le fichier sans cocher «\u00a0Simulation\u00a0» pour appliquer ces changements.", "Dry run: nothing was saved. Import the file again without ticking “Dry run” to apply these changes."},
	"imports.submit":            {"Importer", "Import"},
	"imports.progress":          {"Envoi du fichier", "Uploading the file"},
	"imports.history":           {"Historique des imports", "Import history"},
	"imports.none":              {"Aucun import pour l’instant.", "No import yet."},
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
	"imports.truncated":         {"Chaque liste ci-dessous s’arrête à 5 000 élèves\u00a0; les totaux restent exacts.", "Each list below stops at 5,000 students; the totals are exact."},
	"imports.field":             {"Champ", "Field"},
	"imports.message":           {"Message", "Message"},
	"imports.fields":            {"Champs modifiés", "Changed fields"},
	"imports.refused":           {"Non importés (identité incomplète, voir les avertissements)", "Not imported (incomplete identity, see the warnings)"},
	"imports.line":              {"Ligne", "Line"},
}

func init() { add("imports", importWarnings) }

// importWarnings are the remarks of an import about the students of its file
// (siecle.Warning, importer.Warning): the SIECLE reader's, then the importer's. The
// French words are those the reports always gave.
var importWarnings = map[string]Msg{
	"siecle.too_long":            {"plus de {max} caractères\u00a0: valeur ignorée (un export SIECLE n’en contient pas de si longue)", "more than {max} characters: value ignored (a SIECLE export holds none this long)"},
	"siecle.structures_too_many": {"plus de {max} classes et groupes\u00a0: les suivants sont ignorés", "more than {max} classes and groups: the next ones are ignored"},
	"siecle.year":                {"année scolaire \"{value}\" illisible (une année sur 4 chiffres attendue, par exemple 2024 pour 2024-2025)", "unreadable school year \"{value}\" (a 4-digit year is expected, for example 2024 for 2024-2025)"},
	"siecle.last_name_missing":   {"nom de famille absent", "last name missing"},
	"siecle.first_name_missing":  {"prénom absent", "first name missing"},
	"siecle.birth_date_missing":  {"date de naissance absente\u00a0: l’identité de l’élève ne pourra pas être vérifiée lors d’un transfert", "birth date missing: the student's identity cannot be checked when his records are transferred"},
	"siecle.sex":                 {"code sexe \"{value}\" inconnu (1 ou 2 attendu)", "unknown sex code \"{value}\" (1 or 2 expected)"},
	"siecle.mef_missing":         {"code MEF absent\u00a0: la formation de l’élève est inconnue, un transfert ne pourra pas vérifier le diplôme préparé", "MEF code missing: the student's course is unknown, a transfer cannot check the diploma he prepares"},
	"siecle.ine_missing":         {"INE absent\u00a0: l’élève ne pourra pas être retrouvé dans un autre établissement, ses données ne pourront pas être transférées", "INE missing: the student cannot be found in another establishment, his data cannot be transferred"},
	"siecle.ine.key":             {"clé de contrôle de l’INE incorrecte (INE BEA\u00a0: la lettre finale ne correspond pas aux chiffres\u00a0; à vérifier dans SIECLE)", "wrong INE check letter (BEA INE: the last letter does not match the digits; to be checked in SIECLE)"},
	// A warning around the message of a value check ({check}, a siecle.ValueError's).
	"siecle.ine_shape":    {"{check} (à vérifier dans SIECLE)", "{check} (to be checked in SIECLE)"},
	"siecle.previous_uai": {"établissement d’origine\u00a0: {check}", "previous establishment: {check}"},

	// The value checks of the SIECLE reader (siecle.ValueError).
	"siecle.date.format":   {"date invalide\u00a0: \"{value}\" n’est pas au format jj/mm/aaaa", "invalid date: \"{value}\" is not in the dd/mm/yyyy format"},
	"siecle.date.calendar": {"date invalide\u00a0: le \"{value}\" n’existe pas dans le calendrier", "invalid date: \"{value}\" does not exist in the calendar"},
	"siecle.date.iso":      {"date invalide\u00a0: \"{value}\" n’est pas au format aaaa-mm-jj", "invalid date: \"{value}\" is not in the yyyy-mm-dd format"},
	"siecle.ine.length":    {"INE de forme inconnue\u00a0: {n} caractères au lieu de 11", "INE of unknown shape: {n} characters instead of 11"},
	"siecle.ine.chars":     {"INE de forme inconnue\u00a0: caractères non autorisés (seuls les chiffres et les lettres sans accent sont possibles)", "INE of unknown shape: characters that are not allowed (only digits and letters without accents are possible)"},
	"siecle.ine.kind":      {"INE de forme inconnue\u00a0: ni RNIE (9 chiffres et 2 lettres), ni BEA (10 chiffres et une lettre), ni apprenti, ni provisoire, ni enseignement supérieur", "INE of unknown shape: neither RNIE (9 digits and 2 letters), nor BEA (10 digits and a letter), nor apprentice, nor provisional, nor higher education"},
	"siecle.mef.empty":     {"code MEF invalide\u00a0: le code est vide (11 chiffres attendus)", "invalid MEF code: the code is empty (11 digits expected)"},
	"siecle.mef.digits":    {"code MEF invalide\u00a0: \"{value}\" n’est pas formé de 11 chiffres", "invalid MEF code: \"{value}\" is not made of 11 digits"},
	"siecle.uai.empty":     {"UAI invalide\u00a0: le code est vide (8 caractères attendus, par exemple 0382032C)", "invalid UAI: the code is empty (8 characters expected, for example 0382032C)"},
	"siecle.uai.length":    {"UAI invalide\u00a0: \"{value}\" compte {n} caractères au lieu de 8 (7 chiffres puis une lettre de contrôle)", "invalid UAI: \"{value}\" has {n} characters instead of 8 (7 digits then a check letter)"},
	"siecle.uai.chars":     {"UAI invalide\u00a0: \"{value}\" contient un caractère non autorisé (accent ou symbole)", "invalid UAI: \"{value}\" has a character that is not allowed (an accent or a symbol)"},
	"siecle.uai.letter":    {"UAI invalide\u00a0: \"{value}\" doit se terminer par une lettre de contrôle", "invalid UAI: \"{value}\" must end with a check letter"},
	"siecle.uai.digits":    {"UAI invalide\u00a0: \"{value}\" doit commencer par 7 chiffres (ou 6 chiffres suivis de X)", "invalid UAI: \"{value}\" must start with 7 digits (or 6 digits followed by X)"},
	"siecle.uai.check":     {"UAI invalide\u00a0: \"{value}\" a la lettre de contrôle {letter}, la lettre attendue est {want} (code mal recopié\u00a0?)", "invalid UAI: \"{value}\" has the check letter {letter}, the expected letter is {want} (a copying mistake?)"},

	// The importer's.
	"imports.warning.mef_unknown":      {"MEF {mef} inconnu de la nomenclature importée", "MEF {mef} unknown to the imported nomenclature"},
	"imports.warning.ine_shared":       {"INE partagé avec {others}\u00a0: inutilisable pour les transferts de ces élèves tant que SIECLE n’est pas corrigé", "INE shared with {others}: unusable for these students' transfers until SIECLE is corrected"},
	"imports.warning.ine_shared.other": {"ELEVE_ID {eleve_id} (ligne {line})", "ELEVE_ID {eleve_id} (line {line})"},
	"imports.warning.ine_taken":        {"INE déjà porté par l’élève ELEVE_ID {eleve_id} ({name}), actif dans l’établissement et absent de ce fichier\u00a0: inutilisable pour les transferts tant que SIECLE n’est pas corrigé", "INE already carried by the student ELEVE_ID {eleve_id} ({name}), current in the establishment and missing from this file: unusable for transfers until SIECLE is corrected"},
	"imports.warning.refused":          {"\u00a0: élève non importé, à corriger dans SIECLE (déjà importé, il garde ses données)", ": student not imported, to be corrected in SIECLE (if imported before, he keeps his data)"},
}
