"""One version, from CMakeLists.txt's project(VERSION): the module, the command and C++ agree."""
import os
import re
import subprocess

import bertcpp

from conftest import REPO


def project_version():
    with open(os.path.join(REPO, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(bertcpp VERSION ([0-9.]+)", f.read()).group(1)


def test_the_module_reports_the_projects_version():
    assert bertcpp.__version__ == project_version()


def test_the_command_reports_the_projects_version(cli_path):
    out = subprocess.run([cli_path, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "bertcpp " + project_version()
