"""What prints: PDF fonts and layout, transfer slips and pick lists, count sheets, labels."""
