"""The phone's input methods: installed, enabled, selected (what ``ime``/``settings`` see)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_autoglm.phone._control import Answer

GBOARD = "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"
ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"


@dataclass
class Ime:
    installed: list[str] = field(default_factory=lambda: [GBOARD, ADB_KEYBOARD])
    enabled: list[str] = field(default_factory=lambda: [GBOARD, ADB_KEYBOARD])
    selected: str = GBOARD
    #: every value ``selected`` took, in order (the first is the one the test started with)
    history: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.history.append(self.selected)

    def remove(self, ime: str) -> None:
        self.installed = [i for i in self.installed if i != ime]
        self.enabled = [i for i in self.enabled if i != ime]

    def select(self, ime: str) -> None:
        self.selected = ime
        self.history.append(ime)

    def command(self, verb: str, ime: str) -> Answer:
        """``ime set|enable|disable ID`` with the real replies (exit 255 on refusal, inferred)."""
        if ime not in self.installed:
            action = {"set": "selected", "enable": "enabled", "disable": "disabled"}[verb]
            message = f"Unknown input method {ime} cannot be {action} for user #0\n"
            return Answer(255, message.encode(), b"")
        if verb == "enable":
            if ime not in self.enabled:
                self.enabled.append(ime)
            return Answer(0, f"Input method {ime}: now enabled for user #0\n".encode())
        if verb == "disable":
            self.enabled = [i for i in self.enabled if i != ime]
            return Answer(0, f"Input method {ime}: now disabled for user #0\n".encode())
        if ime not in self.enabled:
            return Answer(255, f"Input method {ime} is not enabled for user #0\n".encode())
        self.select(ime)
        return Answer(0, f"Input method {ime} selected for user #0\n".encode())
