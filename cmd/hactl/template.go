package main

import "github.com/spf13/cobra"

// newTemplateCmd is a placeholder until the template command lands.
func newTemplateCmd() *cobra.Command {
	return &cobra.Command{Use: "template", Short: "(not yet available)", Hidden: true}
}
