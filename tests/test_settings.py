import pytest

from server.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_defaults_use_sqlite_in_the_working_directory_and_the_cdn():
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///./studentvoice.db"
    assert settings.htmx_source == "cdn"
    assert settings.https is False


def test_environment_overrides():
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql+psycopg://u@h/db", "HTTPS": "true", "HTMX_SOURCE": "local",
        "LOGIN_MAX_FAILURES_ACCOUNT": "3", "BROADCAST_URL": "redis://127.0.0.1:6379/0",
    })
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.https is True
    assert settings.htmx_source == "local"
    assert settings.login_max_failures_account == 3
    assert settings.broadcast_url == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("env, message", [
    ({"HTTPS": "maybe"}, "HTTPS must be true or false"),
    ({"SESSION_IDLE_SECONDS": "soon"}, "must be a whole number"),
    ({"SESSION_IDLE_SECONDS": "5"}, "at least 60"),
    ({"HTMX_SOURCE": "elsewhere"}, "HTMX_SOURCE must be cdn or local"),
    ({"BROADCAST_URL": "amqp://127.0.0.1"}, "BROADCAST_URL must be a Redis URL"),
    ({"SESSION_IDLE_SECONDS": "7200", "SESSION_MAX_SECONDS": "3600"}, "must not be shorter"),
])
def test_bad_settings_say_what_is_wrong(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_every_setting_can_be_set_from_the_environment():
    from dataclasses import fields

    from server.settings import ENVIRONMENT

    assert {name for name, _, _ in ENVIRONMENT.values()} == {f.name for f in fields(Settings)}


def test_every_setting_is_documented():
    from pathlib import Path

    from server.settings import ENVIRONMENT

    operations = (Path(__file__).parent.parent / "docs" / "operations.md").read_text()
    missing = [key for key in ENVIRONMENT if f"`{key}`" not in operations]
    assert missing == []
