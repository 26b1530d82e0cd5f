"""The action register: per action page and language, where and by when to apply, for how long, for how much,
who and with how many partners, with the row each fact was read from; its calendar; direct answers."""
from .answers import AnswerFinder, AnswerParams
from .models import FIELDS, ActionRecord, DirectAnswer, Register
from .read import REGISTER_FILE, REGISTER_VERSION, build_register, safe_register

__all__ = ["AnswerFinder", "AnswerParams", "FIELDS", "REGISTER_FILE", "REGISTER_VERSION", "ActionRecord", "DirectAnswer", "Register", "build_register",
           "safe_register"]
