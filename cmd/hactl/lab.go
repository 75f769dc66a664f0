package main

import "github.com/spf13/cobra"

// newLabCmd is a placeholder until the lab command lands.
func newLabCmd() *cobra.Command {
	return &cobra.Command{Use: "lab", Short: "(not yet available)", Hidden: true}
}
