"""The embedded PostgreSQL's list of the processes holding it: the library stops the server when
the last of them exits, so a killed one, or a list it left torn, must not keep it running."""

import json
import os
import subprocess

from crm import embedded_db


def test_killed_holders_are_forgotten(tmp_path, monkeypatch):
    gone = subprocess.Popen(["true"])
    gone.wait()
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([gone.pid, os.getpid()]))
    monkeypatch.setattr(embedded_db, "HANDLES", handles)
    embedded_db._forget_ended_processes()
    assert json.loads(handles.read_text()) == [os.getpid()]


def test_a_torn_list_is_written_again_with_the_exiting_holder_in_it(tmp_path, monkeypatch):
    handles = tmp_path / ".handle_pids.json"
    handles.write_text("")  # its writer was SIGKILLed half-way (the auto-reloader's child)
    monkeypatch.setattr(embedded_db, "HANDLES", handles)
    embedded_db._forget_ended_processes(holding=True)
    assert json.loads(handles.read_text()) == [os.getpid()]  # so the library sees the last holder leave
    assert not handles.with_suffix(".tmp").exists()
