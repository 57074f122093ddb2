"""pip install --no-build-isolation .   (offline; needs cmake, a C++17 compiler and the
Debian -dev packages listed in scripts/setup.sh)

The extension bertcpp._bertcpp is built by the project's own CMake build, which also installs
the pure-Python files and the bundled model into the wheel's bertcpp/ folder. The `bertcpp`
command comes as a console script that runs the same C++ command-line code.
Extra CMake arguments: BERTCPP_CMAKE_ARGS="-DBERTCPP_NATIVE=OFF ..." (e.g. for a portable wheel).
"""
import os
import re
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        # .../build_lib/bertcpp/_bertcpp.<abi>.so -> CMake installs the package into .../build_lib
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name))))
        build_dir = os.path.join(os.path.abspath(self.build_temp), "cmake")
        configure = [
            "cmake", "-S", ROOT, "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DPython_EXECUTABLE=" + sys.executable,
            "-DBERTCPP_BUILD_TESTS=OFF",
            "-DBERTCPP_BUILD_BENCH=OFF",
            "-DBERTCPP_PYTHON_INSTALL_DIR=" + package_parent,
            "-DBERTCPP_PYTHON_INSTALL_CLI=OFF",  # the console script below provides the command
        ] + shlex.split(os.environ.get("BERTCPP_CMAKE_ARGS", ""))
        jobs = str(os.cpu_count() or 1)
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_bertcpp", "-j", jobs])
        subprocess.check_call(["cmake", "--install", build_dir, "--component", "python"])


def project_version():
    """The one version: CMakeLists.txt's project(VERSION), as the C++ library and the CLI report it."""
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(bertcpp VERSION ([0-9.]+)", f.read()).group(1)


setup(
    name="bertcpp",
    version=project_version(),
    description="BERT encoders on the CPU (C++/Eigen) with a bert-as-service compatible client",
    long_description=open(os.path.join(ROOT, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.8",
    install_requires=["numpy"],
    extras_require={"progress": ["tqdm"]},
    package_dir={"": "python"},
    packages=["bertcpp"],
    ext_modules=[CMakeExtension("bertcpp._bertcpp")],
    cmdclass={"build_ext": CMakeBuild},
    entry_points={"console_scripts": ["bertcpp = bertcpp.__main__:main"]},
    # Keep setuptools' build tree apart from the CMake build directory `build/` of scripts/setup.sh.
    options={"build": {"build_base": "build-pip"}},
    zip_safe=False,
)
