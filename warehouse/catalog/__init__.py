"""What the warehouse holds and where: products and their barcodes, locations and bins,
lots, and the scan resolver that turns a scanned code into one of them."""
