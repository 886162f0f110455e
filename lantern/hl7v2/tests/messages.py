"""Synthetic HL7 v2 messages for the transport's tests (no real people)."""

from __future__ import annotations


def oru(
    control_id: str = "CTRL-1",
    *,
    mrn: str = "MRN-1",
    sending_application: str = "LAB",
    sending_facility: str = "CLINIC LAB",
    receiving_facility: str = "CLINIC",
    character_set: str = "",
    value: str = "95",
) -> str:
    """An ORU^R01 with one glucose result (its own order: OBR-3 is made of the control id),
    segments separated by CR."""
    msh = (
        f"MSH|^~\\&|{sending_application}|{sending_facility}|LANTERN|{receiving_facility}|"
        "20260101120000||"
        f"ORU^R01^ORU_R01|{control_id}|P|2.5.1"
    )
    if character_set:
        msh += f"||||||{character_set}"
    return (
        f"{msh}\r"
        f"PID|1||{mrn}^^^CLINIC^MR||TEST^PATIENT||19800101|F\r"
        f"OBR|1||ORD-{control_id}|2345-7^Glucose^LN|||20260101080000\r"
        f"OBX|1|NM|2345-7^Glucose^LN||{value}|mg/dL|70-99|N|||F|||20260101080000\r"
    )


def unsupported(control_id: str = "MFN-1", *, sending_application: str = "LAB") -> str:
    """A master-file message, which Lantern does not take (answered AR)."""
    return (
        f"MSH|^~\\&|{sending_application}|CLINIC LAB|LANTERN|CLINIC|20260101120000||"
        f"MFN^M02^MFN_M02|{control_id}|P|2.5.1\r"
        "MFI|PRA^Practitioner Master File^HL70175||UPD|||NE\r"
    )
