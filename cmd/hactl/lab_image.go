package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hactl/hactl/pkg/lab"
)

// newLabImageCmd is `hactl lab image build|status|rm`.
func newLabImageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build, list and remove the cached lab images",
	}
	cmd.AddCommand(newLabImageBuildCmd(), newLabImageStatusCmd(), newLabImageRmCmd())
	return cmd
}

func newLabImageBuildCmd() *cobra.Command {
	var (
		labDir string
		force  bool
	)
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the default image (or a lab's, with its extra packages) unless it is cached",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLabHost(); err != nil {
				return err
			}
			r := lab.DefaultRecipe()
			if labDir != "" {
				l, err := lab.Load(labDir)
				if err != nil {
					return exitf(1, "%v", err)
				}
				r = l.Recipe
			}
			ctx, cancel := labContext()
			defer cancel()
			store := &lab.ImageStore{Log: cmd.ErrOrStderr()}
			var (
				tree string
				err  error
			)
			if force {
				tree, err = store.Build(ctx, r)
			} else {
				tree, err = store.Ensure(ctx, r)
			}
			if err != nil {
				return labErr(ctx, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "image %s: %s\n", r.Hash(), tree)
			return nil
		},
	}
	cmd.Flags().StringVar(&labDir, "lab", "", "build the image of this lab directory (default image plus its extra_packages)")
	cmd.Flags().BoolVar(&force, "force", false, "rebuild even when cached")
	return cmd
}

func newLabImageStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "List the cached images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			images, err := (&lab.ImageStore{}).List()
			if err != nil {
				return exitf(1, "%v", err)
			}
			def := lab.DefaultRecipe().Hash()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "IMAGE\tARCHIVE\tTREE\tBUILT\tCONTENT")
			for _, im := range images {
				archive, tree, built := "-", "-", "-"
				if im.Archive != "" {
					archive = fmt.Sprintf("%d MB", im.Size>>20)
					built = im.Modified.Local().Format("2006-01-02 15:04")
				}
				if im.Tree != "" {
					tree = "unpacked"
				}
				if im.Partial && im.Tree == "" {
					tree = "partial"
				}
				content := "?"
				switch {
				case im.Hash == def:
					content = "default"
				case im.Recipe != nil && len(im.Recipe.Extra) > 0:
					content = "default + " + strings.Join(im.Recipe.Extra, " ")
				case im.Recipe != nil:
					content = "outdated recipe"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", im.Hash, archive, tree, built, content)
			}
			return w.Flush()
		},
	}
}

func newLabImageRmCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "rm [HASH...]",
		Short: "Remove cached images (refused while hosts use them)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLabHost(); err != nil {
				return err
			}
			store := &lab.ImageStore{}
			if all {
				images, err := store.List()
				if err != nil {
					return exitf(1, "%v", err)
				}
				for _, im := range images {
					args = append(args, im.Hash)
				}
			}
			if len(args) == 0 {
				return exitf(5, "name the images to remove (hactl lab image status) or pass --all")
			}
			ctx, cancel := labContext()
			defer cancel()
			for _, h := range args {
				if err := store.Remove(ctx, h); err != nil {
					return labErr(ctx, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed image %s\n", h)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every cached image")
	return cmd
}
