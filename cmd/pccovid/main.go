// Command pccovid is the PC-Covid platform: the citizen app, the authority
// console and the APIs (pccovid serve), and the operator's tools — loading
// the population registry, taking over legacy data, managing users and keys,
// verifying the audit trail, generating synthetic data and benchmarks.
//
// Run `pccovid help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/pccovid/pccovid/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pccovid:", err)
		os.Exit(app.ExitCode(err))
	}
}
