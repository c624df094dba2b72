import pkgutil
import subprocess
import sys

import pytest

import backend.domain
import hotline.domain

FORBIDDEN = ("tornado", "pymongo", "wechatpy", "aliyunsdkcore", "bson", "cryptography")  # crypto: services/vault


@pytest.mark.parametrize("package", [backend.domain, hotline.domain], ids=lambda p: p.__name__)
def test_domain_modules_import_no_web_store_or_vendor_sdk(package):
    names = [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    assert names, "the domain package has modules"
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        f"bad = sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"domain imports {result.stdout.strip()}"
