"""The generated first-run password is printed in a box, with how to change it."""

from webui.web.app import first_run_box


def test_box_names_user_password_and_how_to_change_it():
    box = first_run_box("admin", "s3cret-generated-pw")
    lines = box.strip().splitlines()
    assert lines[0] == lines[-1] and set(lines[0]) == {"+", "-"}
    assert all(line.startswith("| ") and line.endswith(" |") and len(line) == len(lines[0]) for line in lines[1:-1])
    assert "Password: s3cret-generated-pw" in box and "Username: admin" in box
    assert "python -m webui set-password" in box and "Access tab" in box
