"""Keys for personal data: formats, encryption bound to its document, pseudonyms, development and production."""

import base64
import os
import stat

import pytest
from cryptography.exceptions import InvalidTag

from backend import keyring
from backend.config import SettingsError, load_settings
from backend.domain.identity import is_reference, reference
from tests.conftest import TEST_KEYS


def ring(data_keys=TEST_KEYS["SUNSHINE_DATA_KEYS"]) -> keyring.Keyring:
    return keyring.Keyring(keyring.parse_data_keys(data_keys), keyring.parse_lookup_key(TEST_KEYS["SUNSHINE_LOOKUP_KEY"]))


def test_the_first_key_encrypts_and_every_listed_key_decrypts():
    keys = ring()
    sealed = keys.encrypt("13800001234", "ziyang:tel:abc")
    assert sealed["key"] == "test-2" == keys.current and b"13800001234" not in sealed["value"]
    assert keys.decrypt(sealed, "ziyang:tel:abc") == "13800001234"
    assert keys.encrypt("13800001234", "ziyang:tel:abc")["value"] != sealed["value"]  # a fresh nonce each time
    older = keyring.Keyring({"test-1": keys.keys["test-1"]}, keys.lookup)
    assert keys.decrypt(older.encrypt("x", "c"), "c") == "x"


def test_a_ciphertext_moved_to_another_document_does_not_open():
    keys = ring()
    sealed = keys.encrypt("610924199001011233", "ziyang:idn:one")
    with pytest.raises(InvalidTag):
        keys.decrypt(sealed, "ziyang:idn:two")
    with pytest.raises(keyring.UnknownKey):
        keys.decrypt({**sealed, "key": "gone"}, "ziyang:idn:one")


def test_pseudonyms_are_equal_for_equal_values_and_differ_by_county_and_key():
    keys = ring()
    one = keys.pseudonym("ziyang", "tel", "13800001234")
    assert one == keys.pseudonym("ziyang", "tel", "13800001234") and len(one) == 32
    assert one != keys.pseudonym("hanbin", "tel", "13800001234")
    other = keyring.Keyring(keys.keys, b"\x07" * 32)
    assert one != other.pseudonym("ziyang", "tel", "13800001234")
    assert is_reference(reference("tel", one)) and not is_reference("13800001234")


@pytest.mark.parametrize("env, named", [
    ({"SUNSHINE_DATA_KEYS": "k1=not base64!"}, "SUNSHINE_DATA_KEYS"),
    ({"SUNSHINE_DATA_KEYS": "k1=" + base64.b64encode(b"short").decode()}, "32"),
    ({"SUNSHINE_DATA_KEYS": TEST_KEYS["SUNSHINE_DATA_KEYS"] + ",test-1=" + base64.b64encode(b"a" * 32).decode()},
     "duplicate"),
    ({"SUNSHINE_DATA_KEYS": TEST_KEYS["SUNSHINE_DATA_KEYS"]}, "SUNSHINE_LOOKUP_KEY"),
    ({**TEST_KEYS, "SUNSHINE_LOOKUP_KEY": base64.b64encode(b"a" * 8).decode()}, "SUNSHINE_LOOKUP_KEY"),
])
def test_unusable_keys_are_named_when_settings_load(env, named):
    with pytest.raises(SettingsError) as caught:
        load_settings(env=env)
    assert named in str(caught.value)


def test_production_without_keys_is_refused_and_the_embedded_store_gets_development_keys(tmp_path):
    production = load_settings(env={"MONGODB_URI": "mongodb://db.example:27017/"})
    assert keyring.with_development_keys(production) is production
    with pytest.raises(keyring.KeysMissing) as caught:
        keyring.keyring_for(production)
    assert "SUNSHINE_DATA_KEYS" in str(caught.value) and "new-keys" in str(caught.value)
    embedded = load_settings(env={"SUNSHINE_DATA_DIR": str(tmp_path)})
    first, again = keyring.with_development_keys(embedded), keyring.with_development_keys(embedded)
    assert first.data_keys == again.data_keys and first.lookup_key == again.lookup_key
    assert keyring.keyring_for(first).development and keyring.development_in_use(first)
    assert stat.S_IMODE(os.stat(tmp_path / keyring.DEV_FILE).st_mode) == 0o600
    configured = load_settings(env={"SUNSHINE_DATA_DIR": str(tmp_path), **TEST_KEYS})
    assert keyring.with_development_keys(configured) is configured and not keyring.development_in_use(configured)
