package template

// PyStr formats plain data as Python's str() does — strings as they are,
// lists and dicts as their repr ({'a': 1}) — which is how Ansible shows a
// loop item in its output.
func PyStr(v any) string { return pyStr(v) }
