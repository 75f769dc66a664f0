#!/usr/bin/python3
"""Regenerate the expected outputs of the template tests with Jinja2 and
Ansible's own filter and test plugins (the reference implementation).

    /usr/bin/python3 testdata/reference.py          # check, print differences
    /usr/bin/python3 testdata/reference.py --write  # rewrite the expectations

cases.yaml: a list of {t: template, vars: {...}, want: output}. A case with
`err` must fail; a case with `hactl` documents a deliberate difference and
keeps its own `want`. golden/NAME.j2 is rendered with golden/NAME.yml into
golden/NAME.out by Ansible's Templar (as the template module would).
"""
import glob
import os
import sys

import jinja2
import yaml
from ansible.plugins.filter.core import FilterModule as CoreFilters
from ansible.plugins.filter.mathstuff import FilterModule as MathFilters
from ansible.plugins.filter.urls import FilterModule as URLFilters
from ansible.plugins.test.core import TestModule as CoreTests
from ansible.plugins.test.files import TestModule as FileTests
from ansible.plugins.test.mathstuff import TestModule as MathTests

HEADER = '''# Filters and tests, each checked against Jinja2 + Ansible's plugins by
# reference.py (which rewrites this file). Dicts are written with sorted keys:
# hactl iterates Go maps in sorted key order, Python in insertion order.
'''
HERE = os.path.dirname(os.path.abspath(__file__))


def environment():
    env = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined,
                             # Ansible's finalize: None renders as ''
                             finalize=lambda x: '' if x is None else x,
                             extensions=['jinja2.ext.loopcontrols', 'jinja2.ext.do'])
    for mod in (CoreFilters, MathFilters, URLFilters):
        env.filters.update(mod().filters())
    for mod in (CoreTests, FileTests, MathTests):
        env.tests.update(mod().tests())
    return env


def render(env, text, variables):
    return env.from_string(text).render(**(variables or {}))


def render_ansible(text, variables):
    """Render as Ansible's template module does: variables holding Jinja are
    templated when used (lazily, recursively)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.do_template(text, preserve_trailing_newlines=True,
                               escape_backslashes=False)


def main():
    write = '--write' in sys.argv
    env = environment()
    path = os.path.join(HERE, 'cases.yaml')
    with open(path) as f:
        cases = yaml.safe_load(f)
    bad = 0
    for case in cases:
        if 'hactl' in case:
            continue
        try:
            got = render(env, case['t'], case.get('vars'))
        except Exception as e:  # noqa: BLE001 - any error is a failed render
            if 'err' in case:
                continue
            print('ERROR  %r: %s' % (case['t'], e))
            bad += 1
            continue
        if 'err' in case:
            print('NO ERROR %r -> %r' % (case['t'], got))
            bad += 1
        elif case.get('want') != got:
            if write:
                case['want'] = got
            else:
                print('DIFF   %r: want %r, reference %r' % (case['t'], case.get('want'), got))
                bad += 1
    if write:
        with open(path, 'w') as f:
            f.write(HEADER)
            yaml.safe_dump(cases, f, sort_keys=False, allow_unicode=True, width=1000)
    for tpl in sorted(glob.glob(os.path.join(HERE, 'golden', '*.j2'))):
        base = tpl[:-3]
        with open(base + '.yml') as f:
            variables = yaml.safe_load(f)
        with open(tpl) as f:
            out = render_ansible(f.read(), variables)
        if write:
            with open(base + '.out', 'w') as f:
                f.write(out)
        elif not os.path.exists(base + '.out') or open(base + '.out').read() != out:
            print('GOLDEN %s differs' % os.path.basename(tpl))
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
