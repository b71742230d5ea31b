-- A signal made by an image or file (m.image / m.file) carries what the runtime needs to
-- download it through the appservice: a JSON array of attachments.
-- AlterTable
ALTER TABLE "Signal" ADD COLUMN "attachments" TEXT;
