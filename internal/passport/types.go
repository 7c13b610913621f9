package passport

import "time"

// SchemaVersion is the version of the passport JSON (docs/passport-schema.md).
const SchemaVersion = "1"

// Passport is everything cartable holds about one student, as he downloads it: his
// identity, and per establishment where he is or was a student, his evaluations by
// competency and his professional situations with their files. It is the JSON file of
// the passport ZIP and the source of its PDF summary.
type Passport struct {
	SchemaVersion string    `json:"schema_version"`
	GeneratedAt   time.Time `json:"generated_at"`
	Student       Identity  `json:"student"`
	Records       []Record  `json:"records"`
	// owner is the account the passport is of (0: none), for the features' extra files.
	owner int64
}

// Identity is the student's identity (never his INE, which cartable does not keep).
type Identity struct {
	Login      string   `json:"login"`
	LastName   string   `json:"last_name"`
	UsageName  string   `json:"usage_name,omitempty"`
	FirstNames []string `json:"first_names"`
	BirthDate  string   `json:"birth_date,omitempty"`
}

// Record is the student's schooling in one establishment.
type Record struct {
	UAI               string       `json:"uai"`
	EstablishmentName string       `json:"establishment_name"`
	EleveID           string       `json:"eleve_id"`
	Class             string       `json:"class"`
	MEF               string       `json:"mef"`
	MEFLabel          string       `json:"mef_label,omitempty"`
	EntryDate         string       `json:"entry_date"`
	ExitDate          string       `json:"exit_date,omitempty"`
	Status            string       `json:"status"`
	NouvelEleve       string       `json:"nouvel_eleve"`
	Evaluations       []Evaluation `json:"evaluations"`
	Situations        []Situation  `json:"situations"`
}

// Evaluation is one evaluation of the student, with his results and the comment.
type Evaluation struct {
	ID           int64    `json:"id"`
	Title        string   `json:"title"`
	Date         string   `json:"date"`
	Level        string   `json:"level,omitempty"`
	Diploma      string   `json:"diploma"`
	DiplomaLabel string   `json:"diploma_label"`
	Author       string   `json:"author"`
	Results      []Result `json:"results"`
	Comment      string   `json:"comment,omitempty"`
}

// Result is the value given for one competency.
type Result struct {
	Competency      string `json:"competency"`
	CompetencyLabel string `json:"competency_label"`
	Block           string `json:"block,omitempty"`
	BlockLabel      string `json:"block_label,omitempty"`
	Value           string `json:"value"`
	ValueLabel      string `json:"value_label"`
	// Rank is the value's position on the referential's scale (0 = lowest).
	Rank int `json:"rank"`
	// ScaleSize is the number of values of the scale.
	ScaleSize int `json:"scale_size"`
}

// Situation is a professional situation sheet (BAC or BEP level).
type Situation struct {
	ID           int64           `json:"id"`
	Level        string          `json:"level"`
	Context      string          `json:"context"`
	Period       string          `json:"period,omitempty"`
	Company      string          `json:"company,omitempty"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description"`
	Competencies []CompetencyRef `json:"competencies"`
	Evaluator    string          `json:"evaluator,omitempty"`
	Result       string          `json:"result,omitempty"`
	Comment      string          `json:"comment,omitempty"`
	Author       string          `json:"author,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Attachments  []Attachment    `json:"attachments"`
}

// CompetencyRef names a competency a situation involves.
type CompetencyRef struct {
	Code  string `json:"code"`
	Label string `json:"label,omitempty"`
}

// Attachment is a file the student attached to a situation.
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	// Path is the file's path inside the passport ZIP.
	Path string `json:"path,omitempty"`
}
