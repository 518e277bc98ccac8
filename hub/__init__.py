"""The AI Competency Hub for Cultural Heritage."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from config import Config, ProductionConfig, config_for

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | str | None = None, **overrides) -> Flask:
    """Build the app: wiring only. `config` is a Config class or a mode name."""
    config_class = config if isinstance(config, type) else config_for(config)
    if issubclass(config_class, ProductionConfig):
        config_class.check()

    app = Flask(
        __name__,
        instance_path=config_class.INSTANCE_PATH,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=os.environ.get("HUB_LOG_LEVEL", "WARNING").upper())

    from hub import extensions

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)

    # Every model module, so that the metadata (migrations, tests) knows every table.
    from hub.accounts import models as _accounts_models  # noqa: F401
    from hub.contact import models as _contact_models  # noqa: F401
    from hub.directory import models as _directory_models  # noqa: F401
    from hub.moderation import models as _moderation_models  # noqa: F401
    from hub.search import services as _search  # noqa: F401  (keeps the index in step with commits)

    from hub.accounts import services as accounts
    from hub.web import i18n

    extensions.login_manager.init_app(app)
    extensions.login_manager.login_view = "accounts.login"
    # Flask-Login flashes this on the way to the login page; str() translates it for that request.
    extensions.login_manager.login_message = i18n.LOGIN_MESSAGE
    extensions.login_manager.localize_callback = str
    extensions.login_manager.user_loader(accounts.load_user)
    extensions.babel.init_app(app, locale_selector=i18n.select_locale)

    from hub import cli, web

    web.init_app(app)
    cli.init_app(app)
    return app
