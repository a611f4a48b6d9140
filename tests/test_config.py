"""Settings: HUB_ environment, TOML file, secrets that never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_settings
from hub.errors import ConfigurationError


def test_defaults_are_the_embedded_default():
    settings = load_settings()
    assert settings.db_path == Path("data/hub.duckdb")
    assert settings.server_port == 8501
    assert settings.display_timezone == "Asia/Kolkata"
    assert settings.sandbox.enabled


def test_environment_with_prefix_and_nesting(monkeypatch):
    monkeypatch.setenv("HUB_DATA_DIR", "/srv/hub")
    monkeypatch.setenv("HUB_FACEBOOK__PAGE_ID", "12345")
    monkeypatch.setenv("HUB_FACEBOOK__PAGE_TOKEN", "EAAB-very-secret")
    settings = load_settings()
    assert settings.db_path == Path("/srv/hub/hub.duckdb")
    assert settings.facebook.page_id == "12345"
    assert settings.facebook.page_token.get_secret_value() == "EAAB-very-secret"


def test_toml_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    config = tmp_path / "city.toml"
    config.write_text('reference_prefix = "HMC"\nserver_port = 9000\n[x]\nuser_id = "77"\n')
    monkeypatch.setenv("HUB_CONFIG_FILE", str(config))
    monkeypatch.setenv("HUB_SERVER_PORT", "9100")
    settings = load_settings()
    assert settings.reference_prefix == "HMC"
    assert settings.server_port == 9100
    assert settings.x.user_id == "77"


def test_hub_toml_in_the_working_folder_is_picked_up(tmp_path):
    (tmp_path / "hub.toml").write_text('display_timezone = "UTC"\n')
    assert load_settings().display_timezone == "UTC"


def test_secrets_never_show_in_repr_str_or_dumps(monkeypatch):
    monkeypatch.setenv("HUB_X__BEARER_TOKEN", "AAAA-bearer-secret")
    settings = load_settings()
    for text in (repr(settings), str(settings), str(settings.model_dump())):
        assert "AAAA-bearer-secret" not in text


def test_invalid_settings_name_the_field_without_echoing_the_value(monkeypatch):
    monkeypatch.setenv("HUB_SERVER_PORT", "not-a-port-secret")
    monkeypatch.setenv("HUB_DISPLAY_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert "server_port" in message and "display_timezone" in message
    assert "not-a-port-secret" not in message


def test_a_missing_config_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_CONFIG_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError, match=r"missing\.toml, which is not a file"):
        load_settings()
