"""The pictures of the chapter's `--encode` example, made from one CelebA test face (Pillow).

    python3 Tutorials/03-VAE/make_encode_photos.py ../shared/data/celeba photos/

aligned.jpg: test face 182739.jpg as CelebA gives it (aligned). small-off-centre.jpg: the same face
at the same size in a 3x wider, 2x taller frame, lower left (a snapshot, not aligned). tilted.png: the
face turned by 25 degrees. stretched.jpg: test face 182752.jpg squeezed into a 400x218 landscape frame.
"""
import os
import sys

from PIL import Image

celeba, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
images = os.path.join(celeba, "img_align_celeba")
face = Image.open(os.path.join(images, "182739.jpg")).convert("RGB")
face.save(os.path.join(out, "aligned.jpg"), quality=90)
w, h = face.size
canvas = Image.new("RGB", (3 * w, 2 * h), (90, 120, 160))
canvas.paste(face, (int(w * 0.3), int(h * 0.7)))
canvas.save(os.path.join(out, "small-off-centre.jpg"), quality=90, progressive=True)
face.rotate(25, expand=False, fillcolor=(128, 128, 128)).save(os.path.join(out, "tilted.png"))
Image.open(os.path.join(images, "182752.jpg")).convert("RGB").resize((400, 218)).save(
    os.path.join(out, "stretched.jpg"), quality=90)
