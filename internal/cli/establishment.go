package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
)

// onOff is a flag taking on/off (or true/false) that remembers whether it was set.
type onOff struct {
	set bool
	v   bool
}

func (o *onOff) String() string {
	if o == nil || !o.set {
		return ""
	}
	if o.v {
		return "on"
	}
	return "off"
}

func (o *onOff) Set(s string) error {
	switch s {
	case "on", "true", "yes", "1":
		o.v = true
	case "off", "false", "no", "0":
		o.v = false
	default:
		return fmt.Errorf("%q: use on or off", s)
	}
	o.set = true
	return nil
}

func (o *onOff) ptr() *bool {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

type establishmentFlags struct {
	uai                      string
	name, academie, kind     optString
	sector                   optString
	transfers, send, receive onOff
	asJSON                   bool
}

type optString struct {
	set bool
	v   string
}

func (o *optString) String() string { return o.v }
func (o *optString) Set(s string) error {
	o.v, o.set = s, true
	return nil
}
func (o *optString) ptr() *string {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

func (f *establishmentFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.uai, "uai", "", "UAI of the establishment (required)")
	fs.Var(&f.name, "name", "name")
	fs.Var(&f.academie, "academie", "académie")
	fs.Var(&f.kind, "kind", "kind (lycée professionnel, collège, université…)")
	fs.Var(&f.sector, "sector", "sector of education: secondary (default) or higher")
	fs.Var(&f.transfers, "transfers", "on|off: allow both sending and receiving students' data")
	fs.Var(&f.send, "send", "on|off: allow sending the data of students who left")
	fs.Var(&f.receive, "receive", "on|off: allow receiving the data of new students")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
}

func (f *establishmentFlags) input() establishment.Input {
	in := establishment.Input{UAI: f.uai, Name: f.name.ptr(), Academie: f.academie.ptr(), Kind: f.kind.ptr(), Sector: f.sector.ptr(),
		TransfersSend: f.transfers.ptr(), TransfersReceive: f.transfers.ptr()}
	if p := f.send.ptr(); p != nil {
		in.TransfersSend = p
	}
	if p := f.receive.ptr(); p != nil {
		in.TransfersReceive = p
	}
	return in
}

func establishmentCmd() *cmd {
	var cf, uf establishmentFlags
	var listJSON bool
	show := func(r *runner, e establishment.Establishment, asJSON bool) error {
		if asJSON {
			return printJSON(r.stdout, e)
		}
		fmt.Fprintf(r.stdout, "%s %s (sending %v, receiving %v)\n", e.UAI, e.Name, e.TransfersSend, e.TransfersReceive)
		return nil
	}
	return &cmd{name: "establishment", summary: "create and manage establishments", subs: []*cmd{
		{name: "create", summary: "add an establishment", flags: cf.register,
			run: func(ctx context.Context, r *runner, args []string) error {
				if cf.uai == "" || !cf.name.set {
					return usagef("establishment create needs --uai and --name")
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				e, err := app.Establishments.Create(ctx, authz.Operator, cf.input())
				if err != nil {
					return err
				}
				return show(r, e, cf.asJSON)
			}},
		{name: "update", summary: "change an establishment's name or settings", flags: uf.register,
			run: func(ctx context.Context, r *runner, args []string) error {
				if uf.uai == "" {
					return usagef("establishment update needs --uai")
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				e, err := app.Establishments.Update(ctx, authz.Operator, uf.input())
				if err != nil {
					return err
				}
				return show(r, e, uf.asJSON)
			}},
		{name: "list", summary: "list establishments",
			flags: func(fs *flag.FlagSet) { fs.BoolVar(&listJSON, "json", false, "print JSON") },
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				list, err := app.Establishments.List(ctx)
				if err != nil {
					return err
				}
				if listJSON {
					return printJSON(r.stdout, list)
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "UAI\tNAME\tACADÉMIE\tSEND\tRECEIVE")
				for _, e := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\n", e.UAI, e.Name, e.Academie, e.TransfersSend, e.TransfersReceive)
				}
				return tw.Flush()
			}},
	}}
}
