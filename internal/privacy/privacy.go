// Package privacy is cartable's data catalogue: every table of the schema, the
// processing it serves (purpose, legal basis, recipients, data) and how long its rows
// are kept. From this one catalogue come the privacy notice of the pages (articles 13
// and 14 GDPR) and the record of processing activities (article 30) exported for the
// data protection officer (cartable privacy register, /admin/privacy). A table of the
// migrations missing here fails internal/archtest (TestPrivacyCatalogue).
//
// The texts are messages of internal/i18n (privacy.*), in French and English.
package privacy

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/cartable/cartable/internal/i18n"
)

// Processing is one processing activity. Its texts are the messages
// privacy.<ID>.{name,purpose,basis,data,recipients,retention}.
type Processing struct {
	ID string
	// Personal tells that it processes personal data (the notice lists only those;
	// the register lists all, so that every table is accounted for).
	Personal bool
}

// Table is one table of the schema: the processing it serves and how long its rows
// are kept (the message privacy.retention.<Retention>).
type Table struct {
	Name, Processing, Retention string
}

// Processings lists the processing activities, in the order of the notice.
func Processings() []Processing {
	return []Processing{
		{ID: "accounts", Personal: true},
		{ID: "records", Personal: true},
		{ID: "transfers", Personal: true},
		{ID: "graduation", Personal: true},
		{ID: "agreements", Personal: true},
		{ID: "notifications", Personal: true},
		{ID: "security", Personal: true},
		{ID: "operation", Personal: false},
	}
}

// Tables lists every table of the schema.
func Tables() []Table {
	return []Table{
		{"accounts", "accounts", "account"},
		{"memberships", "accounts", "account"},
		{"enrollments", "accounts", "enrollment"},
		{"recovery_codes", "accounts", "account"},
		{"sessions", "accounts", "session"},
		{"sso_links", "accounts", "account"},
		{"sso_flows", "accounts", "sso_flow"},
		{"sso_sessions", "accounts", "session"},
		{"students", "records", "record"},
		{"deactivated_students", "records", "record"},
		{"class_teachers", "accounts", "account"},
		{"imports", "records", "import"},
		{"evaluations", "records", "record"},
		{"evaluation_results", "records", "record"},
		{"evaluation_comments", "records", "record"},
		{"situations", "records", "record"},
		{"attachments", "records", "record"},
		{"school_years", "records", "record"},
		{"school_periods", "records", "record"},
		{"school_classes", "records", "record"},
		{"school_enrolments", "records", "record"},
		{"school_services", "records", "record"},
		{"school_attestations", "records", "record"},
		{"transfers", "transfers", "receipt"},
		{"transfer_states", "transfers", "record"},
		{"transfer_decisions", "transfers", "record"},
		{"programmes", "graduation", "technical"},
		{"cohorts", "graduation", "technical"},
		{"registrar_mappings", "graduation", "technical"},
		{"cohort_students", "graduation", "graduation"},
		{"graduation_rules", "graduation", "graduation"},
		{"graduation_items", "graduation", "graduation"},
		{"graduation_item_events", "graduation", "graduation"},
		{"graduation_summaries", "graduation", "graduation"},
		{"graduation_reminders", "graduation", "graduation"},
		{"graduation_cohort_reports", "graduation", "graduation"},
		{"graduation_minutes", "graduation", "graduation"},
		{"mark_assessments", "records", "record"},
		{"marks", "records", "record"},
		{"mark_appreciations", "records", "record"},
		{"mark_opinions", "records", "record"},
		{"mark_class_periods", "records", "record"},
		{"report_card_issues", "records", "record"},
		{"agreement_settings", "operation", "technical"},
		{"agreement_units", "operation", "technical"},
		{"agreement_enrolments", "agreements", "agreement"},
		{"agreements", "agreements", "agreement"},
		{"agreement_versions", "agreements", "agreement"},
		{"agreement_version_units", "agreements", "agreement"},
		{"agreement_events", "agreements", "agreement"},
		{"agreement_comments", "agreements", "agreement"},
		{"agreement_reminders", "agreements", "agreement"},
		{"notify_notices", "notifications", "notice"},
		{"notify_addresses", "notifications", "address"},
		{"notify_outbox", "notifications", "outbox"},
		{"audit_events", "security", "audit"},
		{"establishments", "operation", "technical"},
		{"establishment_mefs", "operation", "technical"},
		{"referentials", "operation", "technical"},
		{"competencies", "operation", "technical"},
		{"referential_mefs", "operation", "technical"},
		{"sso_providers", "operation", "technical"},
		{"sso_establishment_providers", "operation", "technical"},
		{"sso_policies", "operation", "technical"},
		{"platform_secrets", "operation", "technical"},
		{"job_runs", "operation", "technical"},
		{"job_leases", "operation", "technical"},
		{"schema_migrations", "operation", "technical"},
	}
}

// TablesOf returns the tables of a processing.
func TablesOf(processing string) []string {
	var out []string
	for _, t := range Tables() {
		if t.Processing == processing {
			out = append(out, t.Name)
		}
	}
	return out
}

// Text returns a processing's text (name, purpose, basis, data, recipients,
// retention) in lang.
func Text(lang, processing, field string) string {
	return i18n.T(lang, "privacy."+processing+"."+field)
}

// Row is one line of the record of processing activities.
type Row struct {
	Table, Processing, Purpose, Basis, Recipients, Retention string
}

// Register returns the record of processing activities in lang: one row per table.
func Register(lang string) []Row {
	var out []Row
	for _, p := range Processings() {
		for _, t := range Tables() {
			if t.Processing != p.ID {
				continue
			}
			out = append(out, Row{Table: t.Name, Processing: Text(lang, p.ID, "name"), Purpose: Text(lang, p.ID, "purpose"),
				Basis: Text(lang, p.ID, "basis"), Recipients: Text(lang, p.ID, "recipients"),
				Retention: i18n.T(lang, "privacy.retention."+t.Retention)})
		}
	}
	return out
}

// header is the register's column titles in lang.
func header(lang string) []string {
	var h []string
	for _, k := range []string{"table", "processing", "purpose", "basis", "recipients", "retention"} {
		h = append(h, i18n.T(lang, "privacy.col."+k))
	}
	return h
}

func (r Row) cells() []string {
	return []string{r.Table, r.Processing, r.Purpose, r.Basis, r.Recipients, r.Retention}
}

// WriteCSV writes the register as CSV (comma-separated, a header line).
func WriteCSV(w io.Writer, lang string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header(lang)); err != nil {
		return err
	}
	for _, r := range Register(lang) {
		if err := cw.Write(r.cells()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes the register as a Markdown document: per processing, its
// purpose, basis, data and recipients, then the table of its tables and retention.
func WriteMarkdown(w io.Writer, lang string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n", i18n.T(lang, "privacy.register.title"), i18n.T(lang, "privacy.register.intro"))
	for _, p := range Processings() {
		fmt.Fprintf(&b, "\n## %s\n\n", Text(lang, p.ID, "name"))
		sep := ": "
		if i18n.Base(lang) == i18n.FR {
			sep = "\u00a0: "
		}
		for _, f := range []string{"purpose", "basis", "data", "recipients", "retention"} {
			fmt.Fprintf(&b, "- **%s**%s%s\n", i18n.T(lang, "privacy.field."+f), sep, Text(lang, p.ID, f))
		}
		tables := TablesOf(p.ID)
		if len(tables) == 0 {
			fmt.Fprintf(&b, "\n%s\n", i18n.T(lang, "privacy.register.no_table"))
			continue
		}
		h := header(lang)
		fmt.Fprintf(&b, "\n| %s | %s |\n|---|---|\n", h[0], h[5])
		for _, t := range Tables() {
			if t.Processing == p.ID {
				fmt.Fprintf(&b, "| `%s` | %s |\n", t.Name, i18n.T(lang, "privacy.retention."+t.Retention))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
