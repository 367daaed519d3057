using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FaceWeb.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Rooms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Rooms",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 240, nullable: false),
                    OwnerName = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Created = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Rooms", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RoomComments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RoomId = table.Column<Guid>(type: "TEXT", nullable: false),
                    NodeId = table.Column<long>(type: "INTEGER", nullable: false),
                    ReplyTo = table.Column<long>(type: "INTEGER", nullable: true),
                    Author = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    PinX = table.Column<double>(type: "REAL", nullable: true),
                    PinY = table.Column<double>(type: "REAL", nullable: true),
                    Resolved = table.Column<bool>(type: "INTEGER", nullable: false),
                    Created = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoomComments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RoomComments_Rooms_RoomId",
                        column: x => x.RoomId,
                        principalTable: "Rooms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RoomLinks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RoomId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Role = table.Column<int>(type: "INTEGER", nullable: false),
                    Created = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Expires = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Revoked = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoomLinks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RoomLinks_Rooms_RoomId",
                        column: x => x.RoomId,
                        principalTable: "Rooms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RoomNodes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RoomId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ParentId = table.Column<long>(type: "INTEGER", nullable: true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Method = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Parameters = table.Column<string>(type: "TEXT", nullable: false),
                    PackName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    PackHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Latent = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Layers = table.Column<int>(type: "INTEGER", nullable: false),
                    Width = table.Column<int>(type: "INTEGER", nullable: false),
                    Png = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Author = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Created = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoomNodes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RoomNodes_Rooms_RoomId",
                        column: x => x.RoomId,
                        principalTable: "Rooms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RoomVerdicts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RoomId = table.Column<Guid>(type: "TEXT", nullable: false),
                    NodeId = table.Column<long>(type: "INTEGER", nullable: false),
                    Member = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Author = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Value = table.Column<int>(type: "INTEGER", nullable: false),
                    Updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoomVerdicts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RoomVerdicts_Rooms_RoomId",
                        column: x => x.RoomId,
                        principalTable: "Rooms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RoomComments_RoomId_NodeId",
                table: "RoomComments",
                columns: new[] { "RoomId", "NodeId" });

            migrationBuilder.CreateIndex(
                name: "IX_RoomLinks_RoomId",
                table: "RoomLinks",
                column: "RoomId");

            migrationBuilder.CreateIndex(
                name: "IX_RoomLinks_TokenHash",
                table: "RoomLinks",
                column: "TokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RoomNodes_RoomId_Id",
                table: "RoomNodes",
                columns: new[] { "RoomId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_RoomVerdicts_NodeId_Member",
                table: "RoomVerdicts",
                columns: new[] { "NodeId", "Member" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RoomVerdicts_RoomId",
                table: "RoomVerdicts",
                column: "RoomId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RoomComments");

            migrationBuilder.DropTable(
                name: "RoomLinks");

            migrationBuilder.DropTable(
                name: "RoomNodes");

            migrationBuilder.DropTable(
                name: "RoomVerdicts");

            migrationBuilder.DropTable(
                name: "Rooms");
        }
    }
}
