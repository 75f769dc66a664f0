package docker

import "github.com/hactl/hactl/pkg/module"

// Image is the docker_image module.
type Image struct{}

func init() { module.Register(Image{}) }

// Spec describes docker_image.
func (Image) Spec() module.Spec {
	return module.Spec{
		Name:    "docker_image",
		Aliases: []string{"hactl.docker_image"},
		Short:   "Import, load, pull, tag, push or remove a Docker image",
		Doc: `Manages one image reference (name, with tag or the tag argument) on the host's Docker engine, through the docker CLI.

source says where a missing image comes from: import (docker import of a root filesystem tarball, import_path on the host or src on the controller, with Dockerfile changes such as CMD), load (docker load of an image archive, load_path or src), pull (from its registry) or local (it must already exist). Idempotence is by identity, not by name: an imported image carries a label holding the SHA-256 of the tarball and the changes, so the same tarball is imported once and a different one replaces it; a loaded image is compared by the image ID read from the archive's manifest.json; a pull with force_source reports a change only when the image ID moved.

repository adds a second name (docker tag) and, with push, names what is pushed. push compares the manifest digest the registry serves for the tag (a HEAD on /v2/…/manifests/TAG from the host, https then http) with the image's repo digests, and pushes only when they differ.

state absent removes the reference (docker image rm; force_absent adds --force).

Check mode reads the same state and reports what would change; nothing is imported, pulled, tagged or pushed.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "Image reference (repository[:tag])."},
			{Name: "tag", Type: module.Str, Default: "latest", Doc: "Tag used when name has none."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "present or absent."},
			{Name: "source", Type: module.Str, Choices: []any{"import", "load", "pull", "local"}, Doc: "Where a missing (or different) image comes from."},
			{Name: "import_path", Type: module.Path, Doc: "Root filesystem tarball on the host, for source import."},
			{Name: "load_path", Type: module.Path, Doc: "Image archive (docker save format) on the host, for source load."},
			{Name: "src", Type: module.Path, Doc: "Tarball or archive on the controller (looked up in files/), uploaded for source import or load."},
			{Name: "changes", Type: module.List, Elements: module.Str, Doc: "Dockerfile instructions applied by docker import (--change), e.g. 'CMD [\"/app\"]'."},
			{Name: "repository", Type: module.Str, Doc: "Another name (repository[:tag]) for the image; with push, what is pushed."},
			{Name: "push", Type: module.Bool, Default: false, Doc: "Push the image (repository, or name) to its registry when the registry's digest differs."},
			{Name: "force_source", Type: module.Bool, Default: false, Doc: "Import, load or pull even when the image exists (a change is reported only when the ID moved)."},
			{Name: "force_tag", Type: module.Bool, Default: false, Doc: "Accepted for compatibility: repository always moves to the image."},
			{Name: "force_absent", Type: module.Bool, Default: false, Doc: "With state absent, remove with --force (also when containers use it)."},
		},
		RequiredIf: []module.RequiredIf{
			{Param: "source", Value: "import", Requires: []string{"import_path", "src"}, Any: true},
			{Param: "source", Value: "load", Requires: []string{"load_path", "src"}, Any: true},
		},
		MutuallyExclusive: [][]string{{"import_path", "load_path", "src"}},
		CheckMode:         true,
		Examples: `- name: Make the application image from a root filesystem tarball
  docker_image:
    name: app
    tag: "1.0"
    source: import
    src: app-rootfs.tar
    changes: ['CMD ["/app"]', 'EXPOSE 8080']
    repository: 10.77.0.13:5000/app:1.0
    push: true

- name: Use it on another host
  docker_image:
    name: 10.77.0.13:5000/app:1.0
    source: pull`,
		Returns: []module.ReturnValue{
			{Name: "image", Type: module.Dict, Doc: "Id, RepoTags and RepoDigests of the image after the task (absent: empty)."},
			{Name: "actions", Type: module.List, Doc: "What was done (or would be, in check mode)."},
		},
	}
}
