"""postbot.yaml, ${ENV} secrets, .env and the errors a user sees."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from bot.config import Secret, load_settings
from bot.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "postbot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ISSUE_EXAMPLE = """\
accounts:
  news-mastodon: {platform: mastodon, base_url: https://mastodon.example, token: ${MASTODON_TOKEN}}
  news-bluesky:  {platform: bluesky, base_url: https://bsky.social, handle: news.example.com, app_password: ${BLUESKY_APP_PASSWORD}}
  news-x:        {platform: x, token: ${X_USER_TOKEN}}            # OAuth 2.0 user token
  news-threads:  {platform: threads, user_id: "123", token: ${THREADS_TOKEN}}
  news-linkedin: {platform: linkedin, author: "urn:li:organization:1", token: ${LINKEDIN_TOKEN}}
  news-telegram: {platform: telegram, bot_token: ${TELEGRAM_BOT_TOKEN}, chat_id: "@channel"}
  news-discord:  {platform: discord, webhook_url: ${DISCORD_WEBHOOK_URL}}
  news-slack:    {platform: slack, webhook_url: ${SLACK_WEBHOOK_URL}}
"""
ENV = {
    "MASTODON_TOKEN": "m-secret",
    "BLUESKY_APP_PASSWORD": "b-secret",
    "X_USER_TOKEN": "x-secret",
    "THREADS_TOKEN": "t-secret",
    "LINKEDIN_TOKEN": "l-secret",
    "TELEGRAM_BOT_TOKEN": "tg-secret",
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/d-secret",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/s-secret",
}


def test_the_documented_example_loads(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ISSUE_EXAMPLE), environ=ENV)
    assert settings.account_names == [
        "news-mastodon",
        "news-bluesky",
        "news-x",
        "news-threads",
        "news-linkedin",
        "news-telegram",
        "news-discord",
        "news-slack",
    ]
    mastodon = settings.account("news-mastodon")
    assert (mastodon.platform, mastodon.base_url, mastodon.secret("token")) == (
        "mastodon",
        "https://mastodon.example",
        "m-secret",
    )
    assert settings.account("news-x").base_url == "https://api.x.com"  # one public host: a default
    assert settings.account("news-threads").option("user_id") == "123"
    assert sorted(settings.all_secret_values()) == sorted(ENV.values())


def test_secrets_never_print(tmp_path: Path) -> None:
    secret = (
        load_settings(write(tmp_path, ISSUE_EXAMPLE), environ=ENV)
        .account("news-x")
        .secrets["token"]
    )
    assert str(secret) == "***"
    assert repr(secret) == "Secret(${X_USER_TOKEN}=***)"
    assert "x-secret" not in repr(
        load_settings(write(tmp_path, ISSUE_EXAMPLE), environ=ENV).account("news-x")
    )
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert Secret("v", "V").reveal() == "v"


def test_a_literal_secret_is_refused_with_its_location(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts:\n  m:\n    platform: mastodon\n    base_url: https://m.example\n    token: abc123\n",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert str(info.value) == (
        f"{path}:5:12: account m: token must be an ${{ENV_VAR}} reference, not a literal secret "
        "(put the value in the environment or .env)"
    )
    assert "abc123" not in str(info.value)


def test_a_missing_variable_names_the_account_and_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, ISSUE_EXAMPLE)
    env = {k: v for k, v in ENV.items() if k != "MASTODON_TOKEN"}
    settings = load_settings(path, environ=env)  # loading is fine: preview needs no secrets
    with pytest.raises(ConfigError) as info:
        settings.account("news-mastodon")
    assert str(info.value) == (
        f"{path}:2:82: account news-mastodon: token refers to ${{MASTODON_TOKEN}}, which is not set "
        "(set it in the environment or in .env beside postbot.yaml)"
    )


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ("{platform: mastodon, token: ${T}}", "account a: missing base_url"),
        ("{platform: bluesky, app_password: ${T}}", "account a: missing handle"),
        (
            "{platform: x}",
            "account a: missing token or consumer_key, consumer_secret, access_token, access_token_secret",
        ),
        ("{platform: x, consumer_key: ${T}}", "account a: missing token or consumer_key"),
        (
            "{platform: myspace}",
            "account a: unknown platform 'myspace' (known: mastodon, bluesky, x,",
        ),
        ("{token: ${T}}", "account a: missing platform"),
        (
            "{platform: slack, webhook_url: ${T}, channel: news}",
            "account a: unknown key 'channel' for slack",
        ),
    ],
)
def test_account_problems_are_one_line_with_a_location(
    tmp_path: Path, account: str, message: str
) -> None:
    path = write(tmp_path, f"accounts:\n  a: {account}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={"T": "v"})
    assert str(info.value).startswith(f"{path}:2:")
    assert message in str(info.value)


def test_dotenv_beside_the_config_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "MASTODON_TOKEN=from-dotenv\nX_USER_TOKEN=dotenv-x\n", encoding="utf-8"
    )
    settings = load_settings(write(tmp_path, ISSUE_EXAMPLE), environ={"X_USER_TOKEN": "from-env"})
    assert settings.account("news-mastodon").secret("token") == "from-dotenv"
    assert settings.account("news-x").secret("token") == "from-env"


def test_variables_inside_other_values_are_resolved_and_secret(tmp_path: Path) -> None:
    text = "accounts:\n  w:\n    platform: webhook\n    url: https://hooks.example/in/${HOOK}\n    headers: {X-Key: ${KEY}}\n"
    account = load_settings(
        write(tmp_path, text), environ={"HOOK": "h-secret", "KEY": "k-secret"}
    ).account("w")
    assert account.option("url") == "https://hooks.example/in/h-secret"
    assert account.option("headers") == {"X-Key": "k-secret"}
    assert sorted(account.secret_values()) == ["h-secret", "k-secret"]


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "my-templates").mkdir()
    settings = load_settings(
        write(tmp_path, "timezone: Europe/Oslo\nschedules: plans\ntemplates: my-templates\n"),
        environ={},
    )
    assert settings.timezone == "Europe/Oslo"
    assert settings.schedules_dir == tmp_path.resolve() / "plans"
    assert settings.templates_dirs == (tmp_path.resolve() / "my-templates",)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/state/postbot.db"


def test_database_url_from_the_environment_wins(tmp_path: Path) -> None:
    settings = load_settings(
        write(tmp_path, "database_url: sqlite:///a.db\n"),
        environ={"POSTBOT_DATABASE_URL": "postgresql+psycopg://h/db"},
    )
    assert settings.database_url == "postgresql+psycopg://h/db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timezone: Mars/Olympus\n", "1:11: unknown time zone 'Mars/Olympus'"),
        ("timezone: UTC\ntimezone: UTC\n", "2:1: duplicate key 'timezone'"),
        ("acounts: {}\n", "1:1: unknown setting 'acounts'"),
        ("accounts: [a, b\n", "invalid YAML"),
    ],
)
def test_file_problems(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "nope.yaml", environ={})
    assert load_settings(tmp_path / "nope.yaml", environ={}, required=False).timezone == "UTC"


def test_postbot_config_names_the_file_and_config_wins(tmp_path: Path) -> None:
    from bot.config import config_path

    assert config_path(None, {}) == Path("postbot.yaml")
    assert config_path(None, {"POSTBOT_CONFIG": str(tmp_path / "p.yaml")}) == tmp_path / "p.yaml"
    assert config_path("other.yaml", {"POSTBOT_CONFIG": "p.yaml"}) == Path("other.yaml")
