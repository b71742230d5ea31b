-- The names of deleted agents: their deactivated Matrix users keep their messages, so a
-- name is never given to a new agent again.
-- CreateTable
CREATE TABLE "DeletedAgentName" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "deletedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "DeletedAgentName_userId_key" ON "DeletedAgentName"("userId");
