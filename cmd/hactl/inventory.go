package main

import "github.com/spf13/cobra"

// newInventoryCmd is a placeholder until the inventory command lands.
func newInventoryCmd() *cobra.Command {
	return &cobra.Command{Use: "inventory", Short: "(not yet available)", Hidden: true}
}
