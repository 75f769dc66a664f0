package playbook

import (
	"slices"
	"strings"
)

// Keyword sets as Ansible defines them (ansible-core field attributes).
// Keeping them as functions over switch statements avoids package-level
// mutable state.

// isInheritable reports keywords shared by plays, roles, blocks and tasks.
func isInheritable(k string) bool {
	switch k {
	case "name", "become", "become_user", "become_method", "become_flags", "become_exe",
		"remote_user", "connection", "port", "environment", "ignore_errors",
		"ignore_unreachable", "check_mode", "diff", "no_log", "any_errors_fatal",
		"run_once", "throttle", "timeout", "tags", "vars", "debugger", "collections",
		"module_defaults":
		return true
	}
	return false
}

// isTaskKeyword reports keywords valid on a task (handlers add listen).
func isTaskKeyword(k string) bool {
	if isInheritable(k) || strings.HasPrefix(k, "with_") {
		return true
	}
	switch k {
	case "when", "action", "local_action", "args", "async", "poll", "changed_when",
		"failed_when", "delay", "retries", "until", "delegate_to", "delegate_facts",
		"loop", "loop_control", "notify", "register":
		return true
	}
	return false
}

// isBlockKeyword reports keywords valid on a block.
func isBlockKeyword(k string) bool {
	if isInheritable(k) {
		return true
	}
	switch k {
	case "block", "rescue", "always", "when", "delegate_to", "delegate_facts", "notify":
		return true
	}
	return false
}

// isPlayKeyword reports keywords valid on a play.
func isPlayKeyword(k string) bool {
	if isInheritable(k) {
		return true
	}
	switch k {
	case "hosts", "gather_facts", "gather_subset", "gather_timeout", "fact_path",
		"vars_files", "vars_prompt", "roles", "handlers", "pre_tasks", "post_tasks",
		"tasks", "force_handlers", "max_fail_percentage", "serial", "strategy", "order":
		return true
	}
	return false
}

// isRoleKeyword reports keywords valid where a role is applied in a
// roles: section; any other key is a role parameter.
func isRoleKeyword(k string) bool {
	if isInheritable(k) {
		return true
	}
	switch k {
	case "role", "when", "delegate_to", "delegate_facts":
		return true
	}
	return false
}

// taskKeywordNames lists the task keywords for "did you mean" suggestions.
func taskKeywordNames(handler bool) []string {
	names := []string{
		"name", "become", "become_user", "become_method", "become_flags", "become_exe",
		"remote_user", "connection", "port", "environment", "ignore_errors",
		"ignore_unreachable", "check_mode", "diff", "no_log", "any_errors_fatal",
		"run_once", "throttle", "timeout", "tags", "vars", "debugger", "collections",
		"module_defaults", "when", "action", "local_action", "args", "async", "poll",
		"changed_when", "failed_when", "delay", "retries", "until", "delegate_to",
		"delegate_facts", "loop", "loop_control", "notify", "register", "with_items",
		"with_dict", "with_list", "with_fileglob", "with_together", "with_nested",
		"with_sequence", "with_subelements", "with_indexed_items", "with_first_found",
		"block", "rescue", "always",
	}
	if handler {
		names = append(names, "listen")
	}
	return names
}

// playKeywordNames lists the play keywords for suggestions.
func playKeywordNames() []string {
	return []string{
		"name", "become", "become_user", "become_method", "become_flags", "become_exe",
		"remote_user", "connection", "port", "environment", "ignore_errors",
		"ignore_unreachable", "check_mode", "diff", "no_log", "any_errors_fatal",
		"run_once", "throttle", "timeout", "tags", "vars", "debugger", "collections",
		"hosts", "gather_facts", "gather_subset", "gather_timeout", "fact_path",
		"vars_files", "roles", "handlers", "pre_tasks", "post_tasks", "tasks",
		"force_handlers", "max_fail_percentage", "serial", "strategy", "order",
		"import_playbook",
	}
}

// includeAction classifies the include/import actions, accepting their
// fully qualified names. It returns "" for anything else.
func includeAction(k string) string {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		k = strings.TrimPrefix(k, p)
	}
	switch k {
	case "include_tasks", "import_tasks", "include_role", "import_role", "include",
		"import_playbook":
		return k
	}
	return ""
}

// loopKeywords lists the loop keywords present among keys.
func loopKeywords(keys []string) []string {
	var out []string
	for _, k := range keys {
		if k == "loop" || strings.HasPrefix(k, "with_") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
