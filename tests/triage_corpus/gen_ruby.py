"""The Ruby runner of the triage corpus: RSpec (Debian's ruby-rspec: `apt-get install -y ruby-rspec`).

A small project made in a fresh temporary folder (its sources are the strings below), run with
each console formatter a CI job shows, with rspec's json formatter beside it on the same run
(`--format <console> --format json --out result.json`). See README.md beside this file.
"""

import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from common import Unavailable, run, write_case

TIMEOUT = 120

SPEC_HELPER = r"""RSpec.configure do |config|
  config.expect_with :rspec do |expectations|
    expectations.include_chain_clauses_in_custom_matcher_descriptions = true
  end
  config.shared_context_metadata_behavior = :apply_to_host_groups
end
"""

CALC_SPEC = r"""require 'spec_helper'

RSpec.shared_examples 'a whole number' do
  it 'is positive' do
    expect(subject).to be > 0
  end

  it 'is an integer' do
    expect(subject).to be_a(Integer)
  end
end

RSpec.describe 'Calc' do
  it 'adds' do
    expect(1 + 1).to eq(2)
  end

  describe 'nested' do
    it 'subtracts' do
      expect(50 - 8).to eq(41)
    end

    context 'deeper' do
      it 'multiplies big numbers' do
        expect({ product: 6 * 7 }).to eq({ product: 41 })
      end

      it 'divides' do
        expect(8 / 2).to eq(4)
      end
    end
  end

  it 'raises an error' do
    config = nil
    config.fetch(:retries)
  end

  it 'prints lines that look like failures' do
    puts 'rspec ./spec/fake_spec.rb:1 # fake'
    puts '  1) Fake example'
  end

  it 'is pending' do
    pending('rounding is not implemented yet')
    expect(2.5.round(half: :even)).to eq(3)
  end

  it 'is skipped', skip: 'needs a network' do
    expect(true).to be(false)
  end

  describe 'with a negative' do
    subject { -3 }
    it_behaves_like 'a whole number'
  end

  describe 'with a float' do
    subject { 2.5 }
    include_examples 'a whole number'
  end
end

RSpec.describe 'Ledger with hooks' do
  before(:each) { raise 'database handle is gone' }

  it('opens the ledger') { expect(true).to be(true) }
  it('closes the ledger') { expect(true).to be(true) }
end
"""

STRINGS_SPEC = r"""require 'spec_helper'

RSpec.describe String do
  describe '#upcase' do
    it 'upcases ünïcode ✓' do
      expect('größe'.upcase).to eq('GRÖSSE!')
    end

    it 'keeps ascii' do
      expect('abc'.upcase).to eq('ABC')
    end
  end
end
"""

FILES = {
    ".rspec": "--require spec_helper\n",
    "spec/spec_helper.rb": SPEC_HELPER,
    "spec/calc_spec.rb": CALC_SPEC,
    "spec/strings_spec.rb": STRINGS_SPEC,
}


def rerun_ids(result):
    """The failing examples of rspec's json result, as its "Failed examples:" lines name them.

    rspec (RSpec::Core::Notifications::SummaryNotification#rerun_argument_for) prints an example's
    location, `./spec/calc_spec.rb:21`, unless that location is shared by another example of the
    run, as examples from shared examples or a loop are: then it prints the example's id,
    `./spec/calc_spec.rb[1:7:1:1]` (quoted, `'./spec/calc_spec.rb[1:7:1:1]'`, unless $SHELL is
    bash, ksh or fish). Its location is that of the example or of the nearest enclosing group
    defined in a loaded spec file; the shared examples here are in the spec file, so the json's
    `file_path:line_number` is that location, and every example of the run is in the json.
    The ids here are unquoted.
    """
    examples = result["examples"]
    location = {e["id"]: f"{e['file_path']}:{e['line_number']}" for e in examples}
    shared = Counter(location.values())
    return [
        e["id"] if shared[location[e["id"]]] > 1 else location[e["id"]]
        for e in examples
        if e["status"] == "failed"
    ]


MARKERS = {
    "./spec/calc_spec.rb:19": "expected: 41",
    "./spec/calc_spec.rb:67": "database handle is gone",
    "./spec/calc_spec.rb[1:8:2]": "expected 2.5 to be a kind of Integer",
}


def gen_rspec(outdir):
    if shutil.which("rspec") is None or shutil.which("ruby") is None:
        raise Unavailable("rspec is not installed (Debian: apt-get install -y ruby-rspec)")
    json_out = "--format json --out result.json"
    with tempfile.TemporaryDirectory(prefix="fixloop-corpus-") as tmp:
        root = Path(tmp)
        for rel, text in FILES.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        # HOME is the project, so that no ~/.rspec of this machine's changes the run.
        base_env = {"HOME": str(root), "XDG_CONFIG_HOME": str(root / ".config"), "SPEC_OPTS": ""}
        for shape, formatter, shell in [
            ("progress", "progress", "/bin/bash"),
            ("documentation", "documentation", "/bin/bash"),
            # where $SHELL is sh, rspec quotes the ids in its rerun lines
            ("progress-sh", "progress", "/bin/sh"),
        ]:
            command = f"rspec --format {formatter} {json_out}"
            result_file = root / "result.json"
            if result_file.exists():
                result_file.unlink()
            code, log = run(command, root, timeout=TIMEOUT, env=dict(base_env, SHELL=shell))
            if not result_file.exists():
                raise AssertionError(f"rspec wrote no result.json\n{log}")
            failing = rerun_ids(json.loads(result_file.read_text()))
            if code == 0:
                raise AssertionError(f"rspec {shape}: `{command}` passed; its suite has failing examples\n{log}")
            # A check of the rule above, not a source of the truth: rspec's rerun lines name them.
            unnamed = [test for test in failing if f"rspec {test} #" not in log and f"rspec '{test}' #" not in log]
            if unnamed:
                raise AssertionError(f"rspec {shape}: no rerun line names {unnamed}: has the rule changed?\n{log}")
            for test, text in MARKERS.items():
                if test not in failing or text not in log:
                    raise AssertionError(f"rspec {shape}: marker {test!r} {text!r} not failing or not in the log")
            write_case(
                outdir,
                "rspec",
                shape,
                command=f"SHELL={shell} {command}",
                exit_code=code,
                log=log,
                truth_source=f"result.json of the same run ({json_out}): each failed example's "
                "file_path:line_number, or its id where that location is shared, as rspec's rerun lines",
                failing=failing,
                markers=MARKERS,
            )


RUNNERS = {"rspec": gen_rspec}
