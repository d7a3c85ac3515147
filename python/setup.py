"""Builds the _ccmem extension with the project's CMake (one description of
the build: python/CMakeLists.txt), for `pip install --no-build-isolation
--no-index ./python` into any venv.  Needs cmake, a C compiler and ccmem's
Debian packages (libmimalloc-dev, libck-dev, pkg-config, python3-dev): the
repository's .ci/setup installs them."""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        build.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
             f"-DPython3_EXECUTABLE={sys.executable}", "-DCCMEM_BUILD_PYTHON=ON",
             "-DCCMEM_BUILD_TESTS=OFF", "-DCCMEM_BUILD_STRESS=OFF", "-DCCMEM_BUILD_BENCH=OFF"],
            check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "ccpy_ext", "-j", str(os.cpu_count() or 2)],
                       check=True)
        built = next((build / "python" / "concurrent_collections").glob("_ccmem*.so"))
        dest = pathlib.Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, dest)


setup(ext_modules=[Extension("concurrent_collections._ccmem", sources=[])], cmdclass={"build_ext": CMakeBuild})
